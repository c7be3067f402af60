import { describe, expect, it } from "vitest";
import { warmPages } from "./warm-pages";

describe("warmPages", () => {
  it("renders the home page once through the handler, then closes its server", async () => {
    const requested: string[] = [];
    const errors: Error[] = [];
    await warmPages(
      (req, res) => {
        requested.push(`${req.method} ${req.url}`);
        res.end("<html></html>");
      },
      (error) => errors.push(error),
    );
    expect(requested).toEqual(["GET /"]);
    expect(errors).toEqual([]);
  });

  it("reports a render that fails, and still resolves (the first real request renders as before)", async () => {
    const errors: Error[] = [];
    await warmPages(
      (_req, res) => {
        res.statusCode = 500;
        res.end();
      },
      (error) => errors.push(error),
    );
    expect(errors.map((error) => error.message)).toEqual(["the warm-up render answered 500"]);
  });
});
