// Bedside page helpers (no framework). htmx requests carry the CSRF token from the meta tag.
document.addEventListener("htmx:configRequest", function (evt) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { evt.detail.headers["X-CSRF-Token"] = meta.content; }
});
// WeChat Pay JSAPI: inside WeChat's browser the signed order opens the payment sheet; the
// status block keeps polling, so the page follows whatever the payer does there.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest ? evt.target.closest("[data-wechat-pay]") : null;
  if (!button || typeof WeixinJSBridge === "undefined") { return; }
  WeixinJSBridge.invoke("getBrandWCPayRequest", JSON.parse(button.dataset.wechatPay), function () {});
});
