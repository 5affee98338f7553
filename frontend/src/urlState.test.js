import { describe, expect, it } from "vitest";
import { catalogFilters, formatCatalogState, hasFilters, nextCatalogState, pageCount, pageToRange, pagerItems, parseCatalogState, toggleGenre } from "./urlState.js";

describe("parseCatalogState", () => {
  it("reads query, language and page", () => {
    expect(parseCatalogState("?q=star%20wars&language=ru&page=3")).toEqual({ q: "star wars", language: "ru", page: 3 });
  });

  it("falls back to defaults for missing or bad values", () => {
    expect(parseCatalogState("")).toEqual({ q: "", language: "", page: 1 });
    expect(parseCatalogState("?page=0")).toEqual({ q: "", language: "", page: 1 });
    expect(parseCatalogState("?page=-2")).toEqual({ q: "", language: "", page: 1 });
    expect(parseCatalogState("?page=abc")).toEqual({ q: "", language: "", page: 1 });
    expect(parseCatalogState("?language=../../etc")).toEqual({ q: "", language: "", page: 1 });
  });

  it("squeezes whitespace and caps the query at the API's limit", () => {
    expect(parseCatalogState("?q=%20%20a%20%20%20b%20").q).toBe("a b");
    expect(parseCatalogState(`?q=${"x".repeat(150)}`).q).toHaveLength(100);
  });

  it("accepts URLSearchParams", () => {
    expect(parseCatalogState(new URLSearchParams({ q: "matrix" })).q).toBe("matrix");
  });
});

describe("formatCatalogState", () => {
  it("leaves defaults out", () => {
    expect(formatCatalogState({ q: "", language: "", page: 1 })).toBe("");
    expect(formatCatalogState({})).toBe("");
  });

  it("round-trips through parse", () => {
    const state = { q: "the good, the bad & the ugly", language: "en", page: 4 };
    expect(parseCatalogState(formatCatalogState(state))).toEqual(state);
  });

  it("encodes special characters", () => {
    expect(formatCatalogState({ q: "a&b=c" })).toBe("?q=a%26b%3Dc");
  });
});

describe("nextCatalogState", () => {
  const current = { q: "matrix", language: "en", page: 3 };

  it("resets the page on a new search", () => {
    expect(nextCatalogState(current, { q: "alien" })).toEqual({ q: "alien", language: "en", page: 1 });
  });

  it("resets the page on a new language", () => {
    expect(nextCatalogState(current, { language: "ru" }).page).toBe(1);
  });

  it("keeps the page when the search did not change", () => {
    expect(nextCatalogState(current, { q: "matrix" }).page).toBe(3);
  });

  it("turns pages without touching the search", () => {
    expect(nextCatalogState(current, { page: 4 })).toEqual({ q: "matrix", language: "en", page: 4 });
  });
});

describe("paging helpers", () => {
  it("turns pages into limit/offset", () => {
    expect(pageToRange(1, 24)).toEqual({ limit: 24, offset: 0 });
    expect(pageToRange(3, 24)).toEqual({ limit: 24, offset: 48 });
  });

  it("counts pages", () => {
    expect(pageCount(0, 24)).toBe(1);
    expect(pageCount(24, 24)).toBe(1);
    expect(pageCount(25, 24)).toBe(2);
  });

  it("lists pager items with gaps", () => {
    expect(pagerItems(1, 1)).toEqual([1]);
    expect(pagerItems(5, 10)).toEqual([1, null, 4, 5, 6, null, 10]);
    expect(pagerItems(2, 4)).toEqual([1, 2, 3, 4]);
  });
});

describe("catalog filters in the URL", () => {
  it("reads genres (comma-separated or repeated), years, country, age rating and sort", () => {
    const state = parseCatalogState("?genre=drama,sci-fi&genre=comedy&year_from=1990&year_to=2000&country=fr&age_rating=12%2B&ordering=-year");
    expect(state).toEqual({
      q: "", language: "", page: 1, genres: ["drama", "sci-fi", "comedy"], yearFrom: 1990, yearTo: 2000,
      country: "FR", ageRating: "12+", ordering: "-year",
    });
  });

  it("drops bad values", () => {
    expect(parseCatalogState("?genre=../x,&year_from=99&year_to=abcd&country=FRA&age_rating=21%2B&ordering=secret")).toEqual({ q: "", language: "", page: 1 });
  });

  it("round-trips through the query string", () => {
    const state = { q: "night", language: "", page: 2, genres: ["drama", "comedy"], yearFrom: 1990, yearTo: 2001, country: "RU", ageRating: "16+", ordering: "-popularity" };
    expect(parseCatalogState(formatCatalogState(state))).toEqual(state);
  });

  it("goes back to page 1 when a filter changes and toggles genres", () => {
    const current = parseCatalogState("?genre=drama&page=3");
    expect(nextCatalogState(current, toggleGenre(current, "comedy"))).toMatchObject({ genres: ["drama", "comedy"], page: 1 });
    expect(nextCatalogState(current, toggleGenre(current, "drama"))).toMatchObject({ genres: [], page: 1 });
    expect(formatCatalogState(nextCatalogState(current, toggleGenre(current, "drama")))).toBe("");
    expect(nextCatalogState(current, { page: 4 }).genres).toEqual(["drama"]);
  });

  it("gives the API its parameters", () => {
    expect(catalogFilters(parseCatalogState("?genre=drama,comedy&year_from=1990&age_rating=18%2B"))).toEqual({
      genre: "drama,comedy", year_from: 1990, year_to: "", country: "", age_rating: "18+", ordering: "",
    });
    expect(hasFilters(parseCatalogState("?q=x"))).toBe(false);
    expect(hasFilters(parseCatalogState("?country=US"))).toBe(true);
  });
});
