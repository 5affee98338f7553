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

/** "＋ My list" / "✓ In my list" for a movie; signed out, a link to sign in. */
export function myListButton(movieId) {
  const node = h("span", { class: "my-list-button" });
  let saved = false;
  function render() {
    if (!currentAccount()) {
      replaceChildren(node, h("a", { class: "button button--ghost", href: `/account/sign-in?next=/movies/${movieId}` }, "＋ My list"));
      return;
    }
    replaceChildren(
      node,
      h(
        "button",
        {
          type: "button",
          class: "button button--ghost",
          "aria-pressed": String(saved),
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            try {
              if (saved) await accountApi.removeFromList(movieId);
              else await accountApi.addToList(movieId);
              saved = !saved;
            } finally {
              render();
            }
          },
        },
        saved ? "✓ In my list" : "＋ My list",
      ),
    );
  }
  loadAccount().then(async () => {
    if (currentAccount()) {
      const list = await accountApi.getMyList().catch(() => ({ results: [] }));
      saved = list.results.some((item) => String(item.movie.id) === String(movieId));
    }
    render();
  });
  render();
  return node;
}
