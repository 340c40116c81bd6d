// A signature pad: draw on the canvas with a finger or mouse; the PNG goes into the form's
// hidden "signature" field on every stroke, so the form posts what the patient drew.
(function () {
  function setup(canvas) {
    var field = document.getElementById(canvas.dataset.field);
    var ctx = canvas.getContext("2d");
    var drawing = false, last = null, strokes = 0;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#101828";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) { drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p;
    });
    function end() {
      if (!drawing) return;
      drawing = false; strokes += 1;
      field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointerleave", end);
    var clear = document.querySelector("[data-clear='" + canvas.id + "']");
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); field.value = ""; strokes = 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.signature").forEach(setup);
  });
})();
