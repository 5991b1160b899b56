import { describe, expect, it } from "vitest";

import { InferenceError, InvalidInputError, MissingDependencyError, ModelLoadError } from "../errors.js";
import { deserializeError, serializeError } from "./worker-protocol.js";

const roundTrip = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

describe("errors crossing the worker thread boundary", () => {
  it("a MissingDependencyError (onnxruntime-node absent in the worker) arrives as itself: package, what needed it, message", () => {
    const sent = new MissingDependencyError("onnxruntime-node", "Running a model in Node");
    const received = roundTrip(sent);
    expect(received).toBeInstanceOf(MissingDependencyError);
    expect(received.code).toBe("MISSING_DEPENDENCY");
    expect((received as MissingDependencyError).dependency).toBe("onnxruntime-node");
    expect((received as MissingDependencyError).neededFor).toBe("Running a model in Node");
    expect(received.message).toBe(sent.message);
    expect(received.message).toContain("npm install onnxruntime-node");
  });

  it("keeps model load errors, input errors and turns anything else into InferenceError", () => {
    expect(roundTrip(new ModelLoadError("/m/model.onnx", "broken"))).toBeInstanceOf(ModelLoadError);
    expect(roundTrip(new InvalidInputError("bad"))).toBeInstanceOf(InvalidInputError);
    expect(roundTrip(new TypeError("x"))).toBeInstanceOf(InferenceError);
  });
});
