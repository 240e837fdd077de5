// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  var shareButton = document.querySelector("[data-share]");
  if (shareButton && navigator.share) {
    shareButton.hidden = false;
    shareButton.addEventListener("click", function () {
      navigator.share({ title: shareButton.dataset.shareTitle, url: shareButton.dataset.shareUrl })
        .catch(function () {});
    });
  }

  var copyButton = document.querySelector("[data-copy]");
  var copySource = document.querySelector("[data-copy-source]");
  if (copyButton && copySource && navigator.clipboard) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      navigator.clipboard.writeText(copySource.value).then(function () {
        document.querySelector(".copy-status").textContent = copyButton.dataset.copiedText;
      });
    });
  }

  // Keep the counter live without reloading the page.
  var petition = document.querySelector("[data-count-url]");
  var counter = petition && petition.querySelector("[data-count]");
  var bar = petition && petition.querySelector("progress");
  if (counter) {
    var format = new Intl.NumberFormat(document.documentElement.lang);
    window.setInterval(function () {
      if (document.hidden) { return; }
      fetch(petition.dataset.countUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          counter.textContent = format.format(data.count);
          if (bar) { bar.value = data.count; }
        })
        .catch(function () {});
    }, 15000);
  }
})();
