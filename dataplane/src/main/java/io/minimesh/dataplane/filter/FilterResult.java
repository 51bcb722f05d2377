package io.minimesh.dataplane.filter;

/** What a filter tells the chain after looking at request headers. */
public enum FilterResult {
  /** Pass the request on to the next filter (and finally the router). */
  CONTINUE,
  /** Stop: the filter has sent a local reply through {@link HttpFilterContext#sendLocalReply}. */
  STOP
}
