/** A movie: cover and facts, the player, the description with its source, and the cast. */

import * as api from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { SOURCE_LABELS, formatBytes, formatDuration, languageName, plural } from "../format.js";
import { cover } from "../components/cover.js";
import { emptyState, errorState, loading, movieCard } from "../components/ui.js";
import { myListButton } from "../account/widgets.js";
import { playerView } from "../player/playerView.js";
import { DESCRIPTION_LANGUAGES, descriptionLanguage, setDescriptionLanguage, viewerId } from "../viewer.js";

export function moviePage(ctx, { queue, refresh, setTitle }) {
  const node = h("div", { class: "page page--movie" }, loading("Loading the film…"));
  let player = null;

  function languageSwitch(movie) {
    const current = descriptionLanguage();
    const codes = [...new Set([...DESCRIPTION_LANGUAGES.map((l) => l.code), ...(movie.available_languages || [])])];
    return h(
      "div",
      { class: "segmented", role: "group", "aria-label": "Description language" },
      codes.map((code) =>
        h(
          "button",
          {
            type: "button",
            class: "segmented__option",
            "aria-pressed": String(code === current),
            lang: code,
            onclick: () => {
              if (code === current) return;
              setDescriptionLanguage(code);
              refresh();
            },
          },
          languageName(code),
          (movie.available_languages || []).includes(code) ? null : h("span", { class: "visually-hidden" }, " (not translated)"),
        ),
      ),
    );
  }

  function render(movie) {
    setTitle(movie.title);
    const lang = movie.description_language;
    const credits = [...(movie.credits || [])].sort((a, b) => (a.billing_order ?? 0) - (b.billing_order ?? 0));
    const duration = (movie.video && movie.video.duration) || (movie.resume && movie.resume.duration);
    const crew = movie.crew || {};
    const people = (list) => (list || []).flatMap((person, i) => [i ? ", " : null, h("a", { href: `/people/${person.id}` }, person.full_name)]).filter(Boolean);
    const facts = [
      movie.year ? ["Year", String(movie.year)] : null,
      (movie.genres || []).length
        ? ["Genres", (movie.genres || []).flatMap((g, i) => [i ? ", " : null, h("a", { href: `/?genre=${encodeURIComponent(g.slug)}`, "data-genre": g.slug }, g.name)]).filter(Boolean)]
        : null,
      (crew.directors || []).length ? [crew.directors.length > 1 ? "Directors" : "Director", people(crew.directors)] : null,
      (crew.writers || []).length ? [crew.writers.length > 1 ? "Writers" : "Writer", people(crew.writers)] : null,
      movie.age_rating ? ["Age rating", movie.age_rating] : null,
      (movie.countries || []).length ? ["Countries", movie.countries.join(", ")] : null,
      ["Language", languageName(movie.language)],
      movie.runtime ? ["Running time", `${movie.runtime} min`] : duration ? ["Running time", formatDuration(duration)] : null,
      ["Cast", credits.length ? plural(credits.length, "actor") : "not listed"],
      movie.video && movie.video.size ? ["Video", formatBytes(movie.video.size)] : null,
    ].filter(Boolean);

    const untranslated = movie.source_used === "partner" && lang !== movie.language;
    player = movie.video ? playerView({ movie, queue, viewerId: viewerId() }) : null;

    replaceChildren(
      node,
      h("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, h("a", { href: "/" }, "Catalog"), h("span", { "aria-hidden": "true" }, " / "), h("span", { "aria-current": "page" }, movie.title)),
      h(
        "section",
        { class: "movie-hero" },
        cover(movie.title, { size: "hero", image: movie.poster }),
        h(
          "div",
          { class: "movie-hero__info" },
          h("h1", { class: "movie-hero__title" }, movie.title),
          h("dl", { class: "facts" }, facts.map(([term, value]) => h("div", { class: "facts__item" }, h("dt", {}, term), h("dd", {}, value)))),
          h("div", { class: "movie-hero__actions" }, movie.video ? h("a", { class: "button", href: "#watch" }, "▶ Watch now") : null, myListButton(movie.id)),
        ),
      ),
      h(
        "section",
        { class: "movie-section", id: "watch", "aria-labelledby": "watch-title" },
        h("h2", { class: "section-title", id: "watch-title" }, "Watch"),
        player ? player.node : emptyState("No video yet", "This film has no video uploaded yet. Check back soon."),
      ),
      h(
        "section",
        { class: "movie-section", "aria-labelledby": "about-title" },
        h("div", { class: "section-head" }, h("h2", { class: "section-title", id: "about-title" }, "About the film"), languageSwitch(movie)),
        h("p", { class: "description", lang: untranslated ? movie.language : lang }, movie.description || "No description yet."),
        h(
          "p",
          { class: "source" },
          h("span", { class: `badge badge--${movie.source_used}` }, SOURCE_LABELS[movie.source_used] || movie.source_used),
          " ",
          untranslated ? `Not translated into ${languageName(lang)} yet: shown in the original ${languageName(movie.language)}.` : `in ${languageName(lang)}`,
          movie.override && movie.override.updated_at ? ` · edited ${new Date(movie.override.updated_at).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" })}` : null,
        ),
      ),
      h(
        "section",
        { class: "movie-section", "aria-labelledby": "cast-title" },
        h("h2", { class: "section-title", id: "cast-title" }, "Cast"),
        credits.length
          ? h(
              "ul",
              { class: "cast" },
              credits.map((credit) =>
                h(
                  "li",
                  { class: "cast__item" },
                  h(
                    "a",
                    { class: "cast__link", href: `/people/${credit.person.id}` },
                    h("span", { class: "avatar", "aria-hidden": "true" }, credit.person.full_name.split(/\s+/).map((w) => w[0]).slice(0, 2).join("")),
                    h("span", { class: "cast__text" }, h("span", { class: "cast__name" }, credit.person.full_name), credit.role_name ? h("span", { class: "cast__role" }, `as ${credit.role_name}`) : null),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, "The cast is not listed yet."),
      ),
      similarRow(movie),
    );
  }

  function similarRow(movie) {
    const section = h("section", { class: "movie-section row", "aria-labelledby": "similar-title", hidden: true });
    api
      .similarMovies(movie.id, { lang: descriptionLanguage(), signal: ctx.signal })
      .then((movies) => {
        if (ctx.signal.aborted || !movies.length) return;
        replaceChildren(section, h("h2", { class: "section-title", id: "similar-title" }, "More like this"), h("ul", { class: "row__list" }, movies.map((m) => movieCard(m))));
        section.hidden = false;
      })
      .catch(() => {
        // A convenience row: without it the page is whole.
      });
    return section;
  }

  async function load() {
    try {
      const movie = await api.getMovie(ctx.params.id, { lang: descriptionLanguage(), signal: ctx.signal });
      if (!ctx.signal.aborted) render(movie);
    } catch (error) {
      if (ctx.signal.aborted || error.name === "AbortError") return;
      setTitle(error.status === 404 ? "Film not found" : "Error");
      replaceChildren(node, errorState(error.status === 404 ? { status: 404, message: "This film is not in the catalog." } : error, { retry: load }), h("p", { class: "center" }, h("a", { href: "/" }, "← Back to the catalog")));
    }
  }
  load();

  return {
    node,
    title: "Film",
    destroy() {
      if (player) player.destroy();
    },
  };
}
