package io.minimesh.dataplane.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes read on its channel to a peer channel, reading more only once the previous write
 * went out (back-pressure), and closes the peer after flushing when its channel closes. Used by
 * tcp_proxy and by upgraded (WebSocket) HTTP/1.1 connections.
 */
public final class ByteRelay extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final java.util.function.LongConsumer relayed;

  public ByteRelay(Channel peer) {
    this(peer, n -> {});
  }

  /** {@code relayed} hears the size of each chunk passed on (on this channel's event loop). */
  public ByteRelay(Channel peer, java.util.function.LongConsumer relayed) {
    this.peer = peer;
    this.relayed = relayed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf) || !peer.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    relayed.accept(((ByteBuf) msg).readableBytes());
    peer.writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) ctx.channel().read();
                  else ctx.close();
                });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer.isActive()) peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
