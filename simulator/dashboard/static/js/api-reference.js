// The API reference: swagger-ui (vendored) over the contract this simulator serves; "Try it out"
// calls the simulator with a token minted through /_sim/tokens for the chosen user.
import { mint, sim } from "./api.js";

const picker = document.getElementById("token-user");
const state = document.getElementById("token-state");

const ui = window.SwaggerUIBundle({
  url: "/v1/api-collection/openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: false,
  validatorUrl: null,
  docExpansion: "list",
  defaultModelsExpandDepth: -1,
  onComplete: () => authorize(picker.value || "owner@example.com"),
});

async function authorize(user) {
  try {
    const token = await mint(user);
    ui.preauthorizeApiKey("bearerAuth", token);
    state.textContent = `"Try it out" sends a token for ${user}`;
  } catch (error) {
    state.textContent = `no token: ${error.message || error}`;
  }
}

(async () => {
  try {
    const world = (await sim("/world")).world;
    for (const email of Object.keys(world.users)) picker.append(new Option(email, email));
  } catch {
    picker.append(new Option("owner@example.com", "owner@example.com"));
  }
  picker.addEventListener("change", () => authorize(picker.value));
})();
