/** Who is signed in, as the page knows it: loaded once from the API, changed by sign-in/out, watched by the header. */

import { setAccountViewerId } from "../viewer.js";
import * as accountApi from "./api.js";

let account = null;
let loaded = null;
const listeners = new Set();

export function currentAccount() {
  return account;
}

/** Sets the signed-in account (null: signed out) and tells every subscriber. */
export function setAccount(user) {
  account = user || null;
  setAccountViewerId(account ? account.viewer_id : null);
  for (const listener of listeners) listener(account);
}

export function onAccountChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Asks the API once per page load (this also gives the browser its CSRF cookie). */
export function loadAccount() {
  if (!loaded) {
    loaded = accountApi
      .getSession()
      .then((data) => setAccount(data && data.user))
      .catch(() => setAccount(null));
  }
  return loaded;
}
