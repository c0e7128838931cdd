import { describe, expect, it } from "vitest";
import { searchKey } from "../../../core/store/user-search-keys.ts";

describe("searchKey", () => {
  it("folds case and accents and trims", () => {
    expect(searchKey("  Émile ")).toBe("emile");
    expect(searchKey("ÖZDEMİR")).toBe("ozdemir");
    expect(searchKey("Ana.López@Example.com")).toBe("ana.lopez@example.com");
    expect(searchKey("Ångström-Çelik")).toBe("angstrom-celik");
  });
});
