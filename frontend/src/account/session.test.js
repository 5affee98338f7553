import { describe, expect, it, vi } from "vitest";

vi.mock("./api.js", () => ({ getSession: vi.fn(async () => ({ user: { email: "me@example.com", viewer_id: "user:7" } })) }));

const { anonymousViewerId, viewerId } = await import("../viewer.js");
const { currentAccount, loadAccount, onAccountChange, setAccount } = await import("./session.js");

describe("the signed-in account", () => {
  it("names the account in events while signed in, and the browser again after sign-out", async () => {
    const anonymous = anonymousViewerId();
    expect(viewerId()).toBe(anonymous);
    const seen = [];
    onAccountChange((account) => seen.push(account && account.email));
    await loadAccount();
    expect(currentAccount().email).toBe("me@example.com");
    expect(viewerId()).toBe("user:7");
    expect(anonymousViewerId()).toBe(anonymous); // what sign-in merges stays the browser's id
    setAccount(null);
    expect(viewerId()).toBe(anonymous);
    expect(seen).toEqual(["me@example.com", null]);
  });
});
