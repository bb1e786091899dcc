import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readPlainYaml } from "./plain-yaml.js";

describe("readPlainYaml", () => {
  it.each(["inventory/tanjungpinang.yaml", "test/fixtures/inventory/minimal.yaml"])(
    "reads %s to the same data as the yaml library",
    (file) => {
      const text = readFileSync(file, "utf8");
      expect(readPlainYaml(text)).toEqual(parse(text));
    },
  );

  it("resolves every scalar as the YAML 1.2 core schema does", () => {
    const scalars = [
      "1",
      "-7",
      "+3",
      "0o17",
      "0x1F",
      "1_000",
      "0b101",
      "017",
      "1.5",
      ".5",
      "1e3",
      "-1.5E-2",
      ".inf",
      "-.Inf",
      ".NaN",
      "true",
      "False",
      "TRUE",
      "yes",
      "off",
      "~",
      "null",
      "NULL",
      "",
      "2026-01-01",
      "60s",
      "1:30",
    ];
    const text = scalars.map((s, i) => `k${i}: ${s}`).join("\n");
    expect(readPlainYaml(text)).toEqual(parse(text));
  });

  it("leaves to the positioned reader what it must place or check", () => {
    expect(readPlainYaml("a: 1\na: 2\n")).toBeUndefined(); // duplicate key
    expect(readPlainYaml("a: [1\n")).toBeUndefined(); // syntax
    expect(readPlainYaml("a: &x 1\nb: *x\n")).toBeUndefined(); // anchors: the alias checks
    expect(readPlainYaml("a: 1\n---\nb: 2\n")).toBeUndefined(); // several documents
    expect(readPlainYaml('name: "R&D"\n')).toEqual({ name: "R&D" });
  });
});
