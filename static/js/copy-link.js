// "Copy link" buttons: copy their data-copy-url to the clipboard and say so in the status
// next to them. Hidden without JavaScript or a clipboard; the address bar still works.
(function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy-url]").forEach(function (button) {
    const status = button.parentElement.querySelector(".copy-link-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copyUrl).then(
        function () {
          if (status) status.textContent = "Link copied.";
        },
        function () {
          if (status) status.textContent = "Could not copy: copy the address from the address bar.";
        }
      );
    });
  });
})();
