// Interactive documentation: Swagger UI over the OpenAPI document this site serves.
(function () {
  var container = document.getElementById("swagger-ui");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return; // without Swagger UI the page keeps its plain links
  }
  window.SwaggerUIBundle({
    url: container.getAttribute("data-openapi-url"),
    domNode: container,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
