import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { acceptsGzip, encodeBody, FixedBlock } from "./compress.js";

describe("acceptsGzip", () => {
  it("reads Accept-Encoding as Prometheus and browsers send it", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("deflate, gzip;q=1.0, *;q=0.5")).toBe(true); // Prometheus
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip;q=0, *")).toBe(false);
    expect(acceptsGzip("br, *")).toBe(true);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe("encodeBody", () => {
  it("sends fixed blocks after the text: plain, or as gzip members that read back as one stream", async () => {
    const block = new FixedBlock("b 2\n");
    const plain = await encodeBody("a 1\n", [block], false);
    expect(plain.parts.join("")).toBe("a 1\nb 2\n");
    expect(plain.length).toBe(8);
    const zipped = await encodeBody("a 1\n", [block], true);
    expect(zipped.encoding).toBe("gzip");
    const body = Buffer.concat(zipped.parts as Buffer[]);
    expect(body.length).toBe(zipped.length);
    expect(gunzipSync(body).toString()).toBe("a 1\nb 2\n");
    expect(await block.gzipped()).toBe(await block.gzipped()); // compressed once
    expect(await block.text()).toBe("b 2\n"); // and only the compressed member kept
  });
});
