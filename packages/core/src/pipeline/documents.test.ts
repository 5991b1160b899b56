import { describe, expect, it } from "vitest";

import { selectDocuments, validateDocumentSelectionOptions } from "./documents.js";

const docs = [
  { id: "a", relevant: true, rerankScore: 0.2 },
  { id: "b", relevant: false, rerankScore: 0 },
  { id: "c", relevant: true, rerankScore: 0.9 },
  { id: "d", relevant: true, rerankScore: 0.2 },
];
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe("selectDocuments", () => {
  it("drops irrelevant documents and orders by rerank score, ties in retrieval order, by default", () => {
    expect(ids(selectDocuments(docs))).toEqual(["c", "a", "d"]);
  });
  it("keeps retrieval order when asked", () => {
    expect(ids(selectDocuments(docs, { order: "retrieval" }))).toEqual(["a", "c", "d"]);
  });
  it("topN keeps the best N, then applies the order", () => {
    expect(ids(selectDocuments(docs, { topN: 2 }))).toEqual(["c", "a"]);
    expect(ids(selectDocuments(docs, { topN: 2, order: "retrieval" }))).toEqual(["a", "c"]);
  });
  it("keeps irrelevant documents with dropIrrelevant: false", () => {
    expect(ids(selectDocuments(docs, { dropIrrelevant: false, order: "retrieval" }))).toEqual(["a", "b", "c", "d"]);
    expect(ids(selectDocuments(docs, { dropIrrelevant: false }))).toEqual(["c", "a", "d", "b"]);
  });
  it("returns the same objects and never reorders the input array", () => {
    const input = [...docs];
    expect(selectDocuments(input)[0]).toBe(docs[2]);
    expect(input).toEqual(docs);
  });
  it("rejects bad options by name", () => {
    expect(() => validateDocumentSelectionOptions({ topN: 0 })).toThrow(/topN/);
    expect(() => validateDocumentSelectionOptions({ order: "best" as "rerank" })).toThrow(/order/);
  });
});
