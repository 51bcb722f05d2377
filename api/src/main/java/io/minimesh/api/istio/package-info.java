/**
 * Istio networking API ({@code networking.istio.io} v1alpha3, v1beta1, v1) as Fabric8 custom resources.
 *
 * <p>Specs are plain Jackson POJOs with public fields named exactly as Istio's JSON. Parse them with
 * {@link io.minimesh.api.istio.IstioYaml}: unknown fields are errors naming the field, never silently
 * dropped. Durations stay Istio strings ("1s", "500ms", "1m30s"); {@link io.minimesh.api.istio.IstioDuration}
 * parses them.
 */
package io.minimesh.api.istio;
