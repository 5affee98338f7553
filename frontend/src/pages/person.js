/** A person: name, birth date and the filmography by job (acting, directing, writing ...), with roles. */

import * as api from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { ageFrom, formatDate, plural } from "../format.js";
import { responsiveImage } from "../components/cover.js";
import { emptyState, errorState, loading, movieCard } from "../components/ui.js";

export function personPage(ctx, { setTitle }) {
  const node = h("div", { class: "page page--person" }, loading("Loading…"));

  function render(person) {
    setTitle(person.full_name);
    const films = [...new Map((person.filmography || []).map((entry) => [entry.movie.id, entry])).values()];
    const groups = person.filmography_by_job || [{ job: "actor", credits: person.filmography || [] }];
    const JOB_TITLES = { actor: "Acting", director: "Directing", writer: "Writing", producer: "Producing", composer: "Music" };
    const age = person.birth_date ? ageFrom(person.birth_date) : null;
    replaceChildren(
      node,
      h("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "/" }, "Catalog"), h("span", { "aria-hidden": "true" }, " / "), h("span", { "aria-current": "page" }, person.full_name)),
      h(
        "section",
        { class: "person-hero" },
        h(
          "span",
          { class: "avatar avatar--large", "aria-hidden": "true" },
          person.full_name.split(/\s+/).map((w) => w[0]).slice(0, 2).join(""),
          responsiveImage(person.photo, { sizes: "96px", className: "avatar__photo", eager: true }),
        ),
        h(
          "div",
          {},
          h("h1", { class: "person-hero__name" }, person.full_name),
          h(
            "dl",
            { class: "facts" },
            h("div", { class: "facts__item" }, h("dt", {}, "Born"), h("dd", {}, person.birth_date ? `${formatDate(person.birth_date)}${age !== null ? ` (age ${age})` : ""}` : "unknown")),
            h("div", { class: "facts__item" }, h("dt", {}, "Films"), h("dd", {}, plural(films.length, "film"))),
          ),
        ),
      ),
      h(
        "section",
        { class: "movie-section", "aria-labelledby": "films-title" },
        h("h2", { class: "section-title", id: "films-title" }, "Filmography"),
        films.length
          ? groups.map((group) => [
              h("h3", { class: "filmography__job", "data-job": group.job }, JOB_TITLES[group.job] || group.job),
              h(
                "ul",
                { class: "grid" },
                group.credits.map((entry) => movieCard(entry.movie, { extra: entry.role_name ? h("p", { class: "card__role" }, `as ${entry.role_name}`) : entry.movie.year ? h("p", { class: "card__role" }, String(entry.movie.year)) : null })),
              ),
            ])
          : emptyState("No films yet", "This person has no films in the catalog."),
      ),
    );
  }

  async function load() {
    try {
      const person = await api.getPerson(ctx.params.id, { signal: ctx.signal });
      if (!ctx.signal.aborted) render(person);
    } catch (error) {
      if (ctx.signal.aborted || error.name === "AbortError") return;
      setTitle("Not found");
      replaceChildren(node, errorState(error.status === 404 ? { status: 404, message: "This person is not in the catalog." } : error, { retry: load }), h("p", { class: "center" }, h("a", { href: "/" }, "← Back to the catalog")));
    }
  }
  load();

  return { node, title: "Actor" };
}
