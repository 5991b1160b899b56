/**
 * @semantic-highlight/core/testing — test doubles for code built on core (Node only).
 *
 * {@link startKServeServer} runs a small KServe V2 inference server over onnxruntime-node for a local model folder,
 * with faults on cue (503 with Retry-After, slow answers), so the remote backend (`backend: { kind: "remote" }`)
 * can be tested and demonstrated offline. It is not a production server: use Triton or KServe for that.
 *
 * @packageDocumentation
 */
export { startKServeServer } from "./backends/kserve-server.js";
export type { KServeFaults, KServeServer, KServeServerOptions } from "./backends/kserve-server.js";
export type { RuntimeOptions } from "./backends/onnx-session.js";
