/**
 * Client-side routing with the History API: links inside the app change the URL without a page
 * load, the back button works, and Django answers every app path with the same index.html.
 */

/** Finds the route for a path; params are the regex's named groups. */
export function matchRoute(routes, pathname) {
  for (const route of routes) {
    const match = route.path.exec(pathname);
    if (match) return { route, params: { ...(match.groups || {}) } };
  }
  return null;
}

/** True when a click on this link should be handled by the app rather than the browser. */
export function isAppLink(anchor, event, origin, current = null) {
  if (!anchor || event.defaultPrevented || event.button !== 0) return false;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  if (anchor.target && anchor.target !== "_self") return false;
  if (anchor.hasAttribute("download") || anchor.getAttribute("rel") === "external") return false;
  const url = new URL(anchor.href, origin);
  if (url.origin !== origin) return false;
  // A jump within this page ("#watch") is the browser's to scroll, not a new page.
  if (current && url.hash && url.pathname === current.pathname && url.search === current.search) return false;
  return !/^\/(api|admin|static)\//.test(url.pathname);
}

export function createRouter({ routes, outlet, notFound, onChange = () => {} }) {
  let current = null; // {route, page, controller}
  let first = true;

  function context(params, controller) {
    return {
      params,
      url: new URL(window.location.href),
      signal: controller.signal,
      navigate,
    };
  }

  async function render({ focus = true } = {}) {
    const found = matchRoute(routes, window.location.pathname);
    const route = found ? found.route : { name: "not-found", page: notFound };
    const params = found ? found.params : {};

    if (current && current.route.name === route.name && current.page.update && JSON.stringify(current.params) === JSON.stringify(params)) {
      current.controller.abort();
      current.controller = new AbortController();
      current.page.update(context(params, current.controller));
      onChange(route);
      return;
    }

    if (current) {
      current.controller.abort();
      if (current.page.destroy) current.page.destroy();
    }
    const controller = new AbortController();
    const page = route.page(context(params, controller));
    current = { route, params, page, controller };
    outlet.replaceChildren(page.node);
    if (page.title) document.title = `${page.title} · Kinoteka`;
    onChange(route);
    if (!first && focus) {
      window.scrollTo({ top: 0 });
      outlet.focus({ preventScroll: true });
    }
    first = false;
  }

  function navigate(href, { replace = false, focus = true } = {}) {
    const url = new URL(href, window.location.origin);
    const target = `${url.pathname}${url.search}${url.hash}`;
    if (target === `${window.location.pathname}${window.location.search}${window.location.hash}` && !replace) return render({ focus });
    if (replace) window.history.replaceState({}, "", target);
    else window.history.pushState({}, "", target);
    return render({ focus });
  }

  /** Re-renders the current page from scratch (after the description language changed). */
  function refresh() {
    if (current) {
      current.controller.abort();
      if (current.page.destroy) current.page.destroy();
      current = null;
    }
    first = true;
    return render();
  }

  function start() {
    document.addEventListener("click", (event) => {
      const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!isAppLink(anchor, event, window.location.origin, window.location)) return;
      event.preventDefault();
      navigate(anchor.href);
    });
    window.addEventListener("popstate", () => render());
    return render();
  }

  /** Lets the current page say a new title once its data has loaded. */
  function setTitle(title) {
    document.title = title ? `${title} · Kinoteka` : "Kinoteka — online cinema";
  }

  return { start, navigate, refresh, setTitle, current: () => current };
}
