/* Swagger UI for /api/v1/docs, served from this installation (no CDN, no inline script: the CSP allows neither). */
(function () {
  "use strict";
  var data = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  if (data.apiCsrf && data.csrfToken) {
    config.requestInterceptor = function (req) { req.headers["X-CSRFToken"] = data.csrfToken; return req; };
  }
  window.SwaggerUIBundle(config);
})();
