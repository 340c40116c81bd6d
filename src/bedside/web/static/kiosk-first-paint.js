// Loaded without defer, before the first paint, so a page in elderly mode never flashes small.
try { if (sessionStorage.getItem("bs_elderly") === "1") { document.documentElement.classList.add("elderly"); } } catch (e) { /* storage disabled */ }
