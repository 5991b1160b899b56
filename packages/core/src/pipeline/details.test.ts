import { describe, expect, it } from "vitest";

import { copyRecord, metadataKeyProblem } from "./details.js";

describe("copyRecord", () => {
  it("keeps an own __proto__ key of JSON-parsed metadata as a key, never as the copy's prototype", () => {
    const metadata = JSON.parse('{"source":"a","__proto__":{"isAdmin":true},"nested":{"__proto__":{"isAdmin":true}}}') as Record<string, unknown>;
    const copy = copyRecord<Record<string, unknown>>(metadata);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.isAdmin).toBeUndefined();
    expect((copy.nested as Record<string, unknown>).isAdmin).toBeUndefined();
    // Nothing lost: the key is still there, as an own property with its (copied) value.
    expect(Object.keys(copy)).toEqual(["source", "__proto__", "nested"]);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ isAdmin: true });
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).not.toBe(Object.getOwnPropertyDescriptor(metadata, "__proto__")?.value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(metadata));
    // And nothing global changed.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("copies deeply, shares what cannot be cloned, and gives a plain object for null or undefined", () => {
    const fn = () => 1;
    const record = { list: [1, 2], fn, when: new Date(0) };
    const copy = copyRecord(record);
    expect(copy.list).toEqual([1, 2]);
    expect(copy.list).not.toBe(record.list);
    expect(copy.fn).toBe(fn);
    expect(copy.when).toEqual(new Date(0));
    expect(copyRecord(null)).toEqual({});
    expect(copyRecord(undefined)).toEqual({});
  });
});

describe("metadataKeyProblem", () => {
  it("refuses __proto__, prototype and Object.prototype member names, accepts ordinary keys", () => {
    for (const key of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"]) {
      expect(metadataKeyProblem(key), key).toMatch(/choose another key/);
    }
    expect(metadataKeyProblem("")).toMatch(/non-empty string/);
    expect(metadataKeyProblem(5)).toMatch(/non-empty string/);
    for (const key of ["highlight", "sh", "__highlight", "proto", "semanticHighlight"]) expect(metadataKeyProblem(key), key).toBeNull();
  });
});
