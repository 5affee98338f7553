/** The accounts API (/api/v1/auth/..., /api/v1/me/...), through the app's one request function. */

import { request } from "../api.js";

export const EXPORT_URL = "/api/v1/me/export";

export const getSession = ({ signal } = {}) => request("/auth/session", { signal });
export const signUp = (email, password) => request("/auth/sign-up", { method: "POST", body: { email, password } });
export const verifyEmail = (uid, token) => request("/auth/verify-email", { method: "POST", body: { uid, token } });
export const resendVerification = (email) => request("/auth/verify-email/resend", { method: "POST", body: { email } });
export const signIn = (email, password, rememberMe) =>
  request("/auth/sign-in", { method: "POST", body: { email, password, remember_me: Boolean(rememberMe) } });
export const signOut = () => request("/auth/sign-out", { method: "POST" });
export const requestPasswordReset = (email) => request("/auth/password-reset", { method: "POST", body: { email } });
export const confirmPasswordReset = (uid, token, password) =>
  request("/auth/password-reset/confirm", { method: "POST", body: { uid, token, password } });

export const getSessions = ({ signal } = {}) => request("/me/sessions", { signal });
export const endSession = (id) => request(`/me/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
export const deleteAccount = (password) => request("/me/account", { method: "DELETE", body: { password } });

export const getMyList = ({ signal, limit = 100 } = {}) => request("/me/list", { params: { limit }, signal });
export const addToList = (movieId) => request(`/me/list/${encodeURIComponent(movieId)}`, { method: "PUT" });
export const removeFromList = (movieId) => request(`/me/list/${encodeURIComponent(movieId)}`, { method: "DELETE" });

export const getHistory = ({ signal, limit = 100 } = {}) => request("/me/history", { params: { limit }, signal });
export const removeHistoryEntry = (movieId) => request(`/me/history/${encodeURIComponent(movieId)}`, { method: "DELETE" });
export const clearHistory = () => request("/me/history", { method: "DELETE" });
