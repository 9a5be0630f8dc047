import { api } from "../api.js";
import { h } from "../dom.js";
import { setToken } from "../session.js";

/** The sign-in form: the token is checked against the API before it is kept. */
export function signInView(onSignedIn, message) {
  const error = h("p", { class: "form-error", id: "token-error", role: "alert" }, message ?? "");
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
    spellcheck: "false",
    "aria-describedby": "token-help token-error",
  });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    {
      class: "sign-in card",
      "aria-labelledby": "sign-in-title",
      onsubmit: async (e) => {
        e.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        button.disabled = true;
        error.textContent = "";
        try {
          await api("/devices?limit=1", { token });
          setToken(token);
          onSignedIn();
        } catch (err) {
          error.textContent = err.status === 401 || err.status === 403 ? "That token was not accepted." : `Cannot reach the server: ${err.message}`;
          input.focus();
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", { id: "sign-in-title" }, "Sign in"),
    // For password managers, which file a secret under a user name.
    h("input", { type: "text", name: "username", autocomplete: "username", value: "operator", hidden: true, "aria-hidden": "true", tabindex: "-1" }),
    h("label", { for: "token" }, "Operator token"),
    input,
    h("p", { id: "token-help", class: "help" }, "Made with ", h("code", {}, "uplink token add <name>"), ". Kept in this tab only."),
    error,
    button,
  );
  queueMicrotask(() => input.focus());
  return form;
}
