import { describe, expect, it } from "vitest";
import { isAppLink, matchRoute } from "./router.js";

const routes = [
  { name: "catalog", path: /^\/$/ },
  { name: "movie", path: /^\/movies\/(?<id>\d+)\/?$/ },
];

function anchor(href, attrs = {}) {
  return {
    href,
    target: attrs.target || "",
    hasAttribute: (name) => name in attrs,
    getAttribute: (name) => attrs[name] ?? null,
  };
}

const click = { defaultPrevented: false, button: 0 };
const origin = "http://localhost:8002";

describe("matchRoute", () => {
  it("finds a route and its params", () => {
    expect(matchRoute(routes, "/movies/42")).toMatchObject({ route: { name: "movie" }, params: { id: "42" } });
    expect(matchRoute(routes, "/movies/abc")).toBeNull();
  });
});

describe("isAppLink", () => {
  it("takes plain same-origin links", () => {
    expect(isAppLink(anchor(`${origin}/movies/1`), click, origin)).toBe(true);
  });

  it("leaves jumps within the page to the browser", () => {
    const here = new URL(`${origin}/movies/1`);
    expect(isAppLink(anchor(`${origin}/movies/1#watch`), click, origin, here)).toBe(false);
    expect(isAppLink(anchor(`${origin}/movies/2#watch`), click, origin, here)).toBe(true);
  });

  it("leaves other links to the browser", () => {
    expect(isAppLink(anchor("https://example.com/"), click, origin)).toBe(false);
    expect(isAppLink(anchor(`${origin}/admin/`), click, origin)).toBe(false);
    expect(isAppLink(anchor(`${origin}/api/docs/`), click, origin)).toBe(false);
    expect(isAppLink(anchor(`${origin}/movies/1`, { target: "_blank" }), click, origin)).toBe(false);
    expect(isAppLink(anchor(`${origin}/movies/1`), { ...click, ctrlKey: true }, origin)).toBe(false);
    expect(isAppLink(anchor(`${origin}/movies/1`), { ...click, button: 1 }, origin)).toBe(false);
  });
});
