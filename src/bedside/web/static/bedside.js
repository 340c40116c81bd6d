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
// Deposit pages: the warning that the amount chosen is under the department's minimum follows
// the amount (a preset in fen, or yuan typed); it warns and leaves paying to the payer.
document.addEventListener("input", depositMinimum);
document.addEventListener("change", depositMinimum);
function depositMinimum(evt) {
  var form = evt.target.closest ? evt.target.closest("form") : null;
  var box = form ? form.querySelector("[data-minimum-due-fen]") : null;
  if (!box) { return; }
  var due = parseInt(box.getAttribute("data-minimum-due-fen"), 10) || 0;
  var custom = form.querySelector("input[name=custom]");
  var checked = form.querySelector("input[name=amount]:checked");
  var fen = custom && custom.value.trim() ? Math.round(parseFloat(custom.value) * 100) : (checked ? parseInt(checked.value, 10) : NaN);
  box.hidden = !(due > 0 && fen > 0 && fen < due);
}
