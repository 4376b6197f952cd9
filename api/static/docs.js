// Starts Swagger UI on /docs (api/templates/docs.html); a file of its own because the page's
// Content-Security-Policy runs no inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    docExpansion: "none",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset.slice(1)], // no top bar
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  });
});
