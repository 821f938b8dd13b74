// A bulk issuance's progress: while the batch is unfinished, fetch the page again every few
// seconds and swap in its progress section (a polite live region), until it says finished.
// Without JavaScript the page's Refresh link does the same by hand. Not a meta refresh: that
// reloads the whole page under the reader (WCAG 2.2.1), and cannot stop by itself.
(function () {
  const section = document.querySelector("[data-bulk-progress]");
  if (!section || !window.fetch || !window.DOMParser) return;
  const seconds = Number(section.dataset.refreshSeconds) || 2;
  function refresh() {
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.querySelector("[data-bulk-progress]");
        const skipped = page.querySelector("[data-bulk-skipped]");
        if (!fresh) return;
        section.innerHTML = fresh.innerHTML;
        const current = document.querySelector("[data-bulk-skipped]");
        if (skipped && current) current.innerHTML = skipped.innerHTML;
        else if (skipped) section.after(skipped);
        if (fresh.dataset.refreshSeconds) window.setTimeout(refresh, seconds * 1000);
      })
      .catch(function () {
        // A failed fetch (offline, signed out) stops refreshing; the Refresh link remains.
      });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
