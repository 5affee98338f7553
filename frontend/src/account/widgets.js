/** The account's pieces on other pages: the header's sign-in / account menu, and the "My list" button. */

import { h, replaceChildren } from "../dom.js";
import * as accountApi from "./api.js";
import { currentAccount, loadAccount, onAccountChange, setAccount } from "./session.js";

/** The header's account area; follows sign-in and sign-out. `onSignOut` re-renders the page. */
export function accountNav({ onSignOut }) {
  const node = h("div", { class: "account-nav" });
  function render(account) {
    if (!account) {
      replaceChildren(node, h("a", { class: "site-nav__link", href: "/account/sign-in", dataset: { route: "sign-in" } }, "Sign in"));
      return;
    }
    replaceChildren(
      node,
      h("a", { class: "site-nav__link", href: "/my-list", dataset: { route: "my-list" } }, "My list"),
      h("a", { class: "site-nav__link", href: "/history", dataset: { route: "history" } }, "History"),
      h("a", { class: "site-nav__link account-nav__email", href: "/account", dataset: { route: "account" }, title: account.email }, account.email),
      h(
        "button",
        {
          type: "button",
          class: "button button--ghost button--small",
          onclick: async () => {
            await accountApi.signOut().catch(() => null);
            setAccount(null);
            onSignOut();
          },
        },
        "Sign out",
      ),
    );
  }
  onAccountChange(render);
  render(currentAccount());
  loadAccount();
  return node;
}

// The ids in my list, fetched once per account and shared by every button on the page.
let savedIds = null;
onAccountChange(() => {
  savedIds = null;
});

function savedMovieIds() {
  if (!savedIds) {
    savedIds = accountApi
      .getMyList()
      .then((data) => new Set(data.results.map((item) => String(item.movie.id))))
      .catch(() => new Set());
  }
  return savedIds;
}

/** "+ My list" / "✓ In my list" for a movie (compact: an icon for the catalog cards); signed out, a link to sign in. */
export function myListButton(movieId, { compact = false, title = "" } = {}) {
  const node = h("span", { class: ["my-list-button", compact && "my-list-button--compact"] });
  const id = String(movieId);
  let saved = false;
  const text = () => (compact ? (saved ? "✓" : "+") : saved ? "✓ In my list" : "+ My list");
  const label = () => (compact ? `${saved ? "Remove" : "Add"} ${title || "this film"} ${saved ? "from" : "to"} my list` : null);
  function render() {
    if (!currentAccount()) {
      // Compact cards stay uncluttered for signed-out viewers; the film's page offers the sign-in.
      replaceChildren(node, compact ? null : h("a", { class: "button button--ghost", href: `/account/sign-in?next=/movies/${id}` }, "+ My list"));
      return;
    }
    replaceChildren(
      node,
      h(
        "button",
        {
          type: "button",
          class: ["button button--ghost", compact && "button--icon"],
          "aria-pressed": String(saved),
          "aria-label": label(),
          title: label(),
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            try {
              if (saved) await accountApi.removeFromList(id);
              else await accountApi.addToList(id);
              saved = !saved;
              const ids = await savedMovieIds();
              if (saved) ids.add(id);
              else ids.delete(id);
            } finally {
              render();
            }
          },
        },
        text(),
      ),
    );
  }
  loadAccount().then(async () => {
    if (currentAccount()) saved = (await savedMovieIds()).has(id);
    render();
  });
  render();
  return node;
}
