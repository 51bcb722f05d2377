/** Minimesh's own custom resources (networking.minimesh.io), parsed like the Istio ones. */
package io.minimesh.api.minimesh;
