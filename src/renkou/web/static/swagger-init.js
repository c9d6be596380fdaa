// Swagger UI of the API documentation page, started from a file (the page allows no inline
// script). Requests tried from the page carry the session's CSRF token.
"use strict";

(function () {
  const el = document.getElementById("swagger-ui");
  const csrf = () => (document.cookie.split("; ").find(c => c.startsWith("renkou_csrf=")) || "").slice(12);
  window.ui = SwaggerUIBundle({
    url: el.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    requestInterceptor: req => { const t = csrf(); if (t) req.headers["X-CSRF-Token"] = t; return req; },
  });
})();
