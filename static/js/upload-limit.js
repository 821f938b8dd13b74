// Refuses a file over the upload limit as soon as it is chosen, so the form (and everything
// typed into it) is never sent only for the server to cut the file off with its 413 page.
// Without JavaScript the server's limit still holds; this only saves the round trip.
(function () {
  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + "\u00a0MB";
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    const limit = Number(input.dataset.maxBytes);
    input.addEventListener("change", function () {
      const tooLarge = Array.from(input.files || []).find(function (file) {
        return file.size > limit;
      });
      input.setCustomValidity(
        tooLarge
          ? "This file is " + megabytes(tooLarge.size) + "; files can be up to " +
            input.dataset.limitText + "."
          : ""
      );
      if (tooLarge) input.reportValidity();
    });
  });
})();
