/** The account pages: sign up, sign in, confirm email, reset password, my list, history, and the account
 * page (sessions, export, deletion). Each renders from the API's answers like the other pages. */

import "../styles/account.css";
import { announce, h, replaceChildren } from "../dom.js";
import { formatDuration } from "../format.js";
import { emptyState, errorState, loading, progressBar } from "../components/ui.js";
import * as accountApi from "./api.js";
import { currentAccount, loadAccount, setAccount } from "./session.js";

function field({ label, name, type = "text", autocomplete, hint, required = true }) {
  const id = `account-${name}`;
  return h(
    "div",
    { class: "form__field" },
    h("label", { for: id, class: "field__label" }, label),
    h("input", { id, name, type, autocomplete, required, class: "form__input", "aria-describedby": hint ? `${id}-hint` : null }),
    hint ? h("p", { class: "form__hint", id: `${id}-hint` }, hint) : null,
  );
}

/** A form whose submit calls `action(values)`; shows the API's message on failure, `success` text or node on success. */
function accountForm({ title, fields, submit, action, footer = null, intro = null, level = "h1" }) {
  const message = h("p", { class: "form__message", role: "alert", hidden: true });
  const button = h("button", { class: "button", type: "submit" }, submit);
  const form = h(
    "form",
    {
      class: "form",
      novalidate: false,
      onsubmit: async (event) => {
        event.preventDefault();
        const values = Object.fromEntries(new FormData(form).entries());
        for (const input of form.querySelectorAll("input[type=checkbox]")) values[input.name] = input.checked;
        button.disabled = true;
        message.hidden = true;
        try {
          const outcome = await action(values, { form });
          if (typeof outcome === "string") {
            message.className = "form__message form__message--ok";
            message.textContent = outcome;
            message.hidden = false;
            announce(outcome);
          }
        } catch (error) {
          message.className = "form__message form__message--error";
          message.textContent = error.message || "Something went wrong. Please try again.";
          message.hidden = false;
          if (error.code === "email_unverified") message.append(" ", resendButton(values.email));
        } finally {
          button.disabled = false;
        }
      },
    },
    fields,
    button,
    message,
  );
  const heading = level === "h1" ? h("h1", { class: "page-title" }, title) : h("h2", { class: "section-title" }, title);
  return h("section", { class: "account-card" }, heading, intro, form, footer);
}

function resendButton(email) {
  return h(
    "button",
    {
      type: "button",
      class: "button button--ghost button--small",
      onclick: async (event) => {
        event.target.disabled = true;
        const answer = await accountApi.resendVerification(email).catch((error) => ({ detail: error.message }));
        event.target.replaceWith(answer.detail);
      },
    },
    "Send a new link",
  );
}

function page(className, ...children) {
  return h("div", { class: `page page--account ${className}` }, ...children);
}

export function signInPage(ctx) {
  const next = ctx.url.searchParams.get("next");
  const node = page(
    "page--sign-in",
    accountForm({
      title: "Sign in",
      fields: [
        field({ label: "Email", name: "email", type: "email", autocomplete: "email" }),
        field({ label: "Password", name: "password", type: "password", autocomplete: "current-password" }),
        h("label", { class: "form__check" }, h("input", { type: "checkbox", name: "remember_me", id: "account-remember_me" }), " Remember me on this device"),
      ],
      submit: "Sign in",
      action: async ({ email, password, remember_me }) => {
        const { user } = await accountApi.signIn(email, password, remember_me);
        setAccount(user);
        // Only paths inside the app: `next` comes from the URL.
        ctx.navigate(next && /^\/(?!\/)/.test(next) ? next : "/");
      },
      footer: h("p", { class: "form__footer" }, h("a", { href: "/account/sign-up" }, "Create an account"), " · ", h("a", { href: "/account/reset" }, "Forgot your password?")),
    }),
  );
  return { node, title: "Sign in" };
}

export function signUpPage() {
  const node = page(
    "page--sign-up",
    accountForm({
      title: "Create an account",
      intro: h("p", { class: "muted" }, "Your list and “continue watching” follow you to every device. What you watched here so far comes with you."),
      fields: [
        field({ label: "Email", name: "email", type: "email", autocomplete: "email" }),
        field({ label: "Password", name: "password", type: "password", autocomplete: "new-password", hint: "At least 8 characters; not only digits, not a common password." }),
      ],
      submit: "Create account",
      action: async ({ email, password }, { form }) => {
        const { detail } = await accountApi.signUp(email, password);
        form.reset();
        return detail;
      },
      footer: h("p", { class: "form__footer" }, "Already have an account? ", h("a", { href: "/account/sign-in" }, "Sign in")),
    }),
  );
  return { node, title: "Create an account" };
}

export function verifyPage(ctx) {
  const uid = ctx.url.searchParams.get("uid") || "";
  const token = ctx.url.searchParams.get("token") || "";
  const body = h("div", { class: "account-card" }, h("h1", { class: "page-title" }, "Confirm your email"), loading("Confirming…"));
  accountApi
    .verifyEmail(uid, token)
    .then(({ detail }) => {
      replaceChildren(body, h("h1", { class: "page-title" }, "Email confirmed"), h("p", { role: "status" }, detail), h("a", { class: "button", href: "/account/sign-in" }, "Sign in"));
    })
    .catch((error) => {
      replaceChildren(body, h("h1", { class: "page-title" }, "Link not valid"), h("p", { role: "alert" }, error.message), h("p", {}, "Sign in to get a new link, or ", h("a", { href: "/account/sign-up" }, "sign up again"), "."));
    });
  return { node: page("page--verify", body), title: "Confirm your email" };
}

export function resetPage(ctx) {
  const uid = ctx.url.searchParams.get("uid");
  const token = ctx.url.searchParams.get("token");
  const form =
    uid && token
      ? accountForm({
          title: "Choose a new password",
          fields: [field({ label: "New password", name: "password", type: "password", autocomplete: "new-password" })],
          submit: "Set password",
          action: async ({ password }) => (await accountApi.confirmPasswordReset(uid, token, password)).detail,
          footer: h("p", { class: "form__footer" }, h("a", { href: "/account/sign-in" }, "Sign in")),
        })
      : accountForm({
          title: "Reset your password",
          fields: [field({ label: "Email", name: "email", type: "email", autocomplete: "email" })],
          submit: "Email me a link",
          action: async ({ email }) => (await accountApi.requestPasswordReset(email)).detail,
        });
  return { node: page("page--reset", form), title: "Reset your password" };
}

/** A page for signed-in viewers: `render(node, signal)` once the account is known, else a sign-in prompt. */
function signedInPage(ctx, { title, className, render }) {
  const node = page(className, loading());
  loadAccount().then(() => {
    if (ctx.signal.aborted) return;
    if (!currentAccount()) {
      const next = encodeURIComponent(window.location.pathname);
      replaceChildren(node, emptyState(`Sign in to see ${title.toLowerCase()}`, "It is kept with your account, on every device.", h("a", { class: "button", href: `/account/sign-in?next=${next}` }, "Sign in")));
      return;
    }
    render(node, ctx.signal);
  });
  return { node, title };
}

function movieRow(movie, details, onRemove, removeLabel) {
  const row = h(
    "li",
    { class: "account-row" },
    h("a", { class: "account-row__title", href: `/movies/${movie.id}` }, movie.title),
    h("div", { class: "account-row__details" }, details),
    h(
      "button",
      {
        type: "button",
        class: "button button--ghost button--small",
        "aria-label": `${removeLabel}: ${movie.title}`,
        onclick: async () => {
          await onRemove();
          row.remove();
          announce(`${movie.title} removed`);
        },
      },
      "Remove",
    ),
  );
  return row;
}

export function myListPage(ctx) {
  return signedInPage(ctx, {
    title: "My list",
    className: "page--my-list",
    render: async (node, signal) => {
      try {
        const data = await accountApi.getMyList({ signal });
        const heading = h("h1", { class: "page-title" }, "My list");
        if (!data.results.length) {
          replaceChildren(node, heading, emptyState("Your list is empty", "Add films from their page with “+ My list”."));
          return;
        }
        replaceChildren(
          node,
          heading,
          h("ul", { class: "account-list", "aria-label": "My list" }, data.results.map((item) =>
            movieRow(item.movie, `added ${new Date(item.added_at).toLocaleDateString("en-GB")}`, () => accountApi.removeFromList(item.movie.id), "Remove from my list"),
          )),
        );
      } catch (error) {
        if (!signal.aborted) replaceChildren(node, errorState(error));
      }
    },
  });
}

export function historyPage(ctx) {
  return signedInPage(ctx, {
    title: "History",
    className: "page--history",
    render: async (node, signal) => {
      try {
        const data = await accountApi.getHistory({ signal });
        const heading = h("h1", { class: "page-title" }, "History");
        if (!data.results.length) {
          replaceChildren(node, heading, emptyState("Nothing watched yet", "Films you watch appear here, with how far you got."));
          return;
        }
        const list = h("ul", { class: "account-list", "aria-label": "Viewing history" }, data.results.map((entry) =>
          movieRow(
            entry.movie,
            [
              entry.watched ? "watched" : `${formatDuration(entry.position)}${entry.duration ? ` of ${formatDuration(entry.duration)}` : ""}`,
              ` · ${new Date(entry.last_watched_at).toLocaleString("en-GB")}`,
              entry.duration ? progressBar(entry.position, entry.duration, `Watched of ${entry.movie.title}`) : null,
            ],
            () => accountApi.removeHistoryEntry(entry.movie.id),
            "Remove from history",
          ),
        ));
        const clear = h("button", {
          type: "button",
          class: "button button--ghost",
          onclick: async () => {
            if (!window.confirm("Clear your whole viewing history? Resume positions go too.")) return;
            await accountApi.clearHistory();
            replaceChildren(node, heading, emptyState("History cleared", "Films you watch from now on appear here."));
          },
        }, "Clear all history");
        replaceChildren(node, h("div", { class: "section-head" }, heading, clear), list);
      } catch (error) {
        if (!signal.aborted) replaceChildren(node, errorState(error));
      }
    },
  });
}

export function accountPage(ctx) {
  return signedInPage(ctx, {
    title: "Your account",
    className: "page--account-settings",
    render: async (node, signal) => {
      const account = currentAccount();
      const sessions = h("ul", { class: "account-list", "aria-label": "Signed-in sessions" }, loading());
      const deletion = accountForm({
        title: "Delete my account",
        level: "h2",
        intro: h("p", { class: "muted" }, "Removes your profile, list, history and resume positions. Playback events already sent for statistics stay, without your email or name."),
        fields: [field({ label: "Your password, to confirm", name: "password", type: "password", autocomplete: "current-password" })],
        submit: "Delete my account",
        action: async ({ password }) => {
          await accountApi.deleteAccount(password);
          setAccount(null);
          ctx.navigate("/");
        },
      });
      replaceChildren(
        node,
        h("section", { class: "account-card" }, h("h1", { class: "page-title" }, "Your account"), h("p", {}, "Signed in as ", h("strong", {}, account.email))),
        h("section", { class: "account-card" }, h("h2", { class: "section-title" }, "Signed-in devices"), sessions),
        h("section", { class: "account-card" }, h("h2", { class: "section-title" }, "Your data"), h("p", {}, "Everything we store about your account, as a JSON file."), h("a", { class: "button button--ghost", href: accountApi.EXPORT_URL, download: "kinoteka-my-data.json" }, "Download my data")),
        deletion,
      );
      try {
        const rows = await accountApi.getSessions({ signal });
        replaceChildren(sessions, rows.map((session) => {
          const item = h(
            "li",
            { class: "account-row" },
            h("span", { class: "account-row__title" }, session.current ? "This browser" : session.user_agent || "A browser"),
            h("span", { class: "account-row__details" }, `since ${new Date(session.signed_in_at).toLocaleString("en-GB")}${session.remember ? " · remembered" : ""}`),
            h("button", {
              type: "button",
              class: "button button--ghost button--small",
              onclick: async () => {
                await accountApi.endSession(session.id);
                if (session.current) {
                  setAccount(null);
                  ctx.navigate("/");
                } else item.remove();
              },
            }, session.current ? "Sign out" : "Sign it out"),
          );
          return item;
        }));
      } catch (error) {
        if (!signal.aborted) replaceChildren(sessions, errorState(error));
      }
    },
  });
}

export const accountRoutes = () => [
  { name: "sign-in", path: /^\/account\/sign-in\/?$/, page: (ctx) => signInPage(ctx) },
  { name: "sign-up", path: /^\/account\/sign-up\/?$/, page: () => signUpPage() },
  { name: "verify", path: /^\/account\/verify\/?$/, page: (ctx) => verifyPage(ctx) },
  { name: "reset", path: /^\/account\/reset\/?$/, page: (ctx) => resetPage(ctx) },
  { name: "account", path: /^\/account\/?$/, page: (ctx) => accountPage(ctx) },
  { name: "my-list", path: /^\/my-list\/?$/, page: (ctx) => myListPage(ctx) },
  { name: "history", path: /^\/history\/?$/, page: (ctx) => historyPage(ctx) },
];
