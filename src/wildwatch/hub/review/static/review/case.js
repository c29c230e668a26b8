// The review case page: a report's screenshot is blurred until the reviewer asks to see it (button or click).
document.querySelectorAll(".shot").forEach(function (figure) {
  var image = figure.querySelector("img"), button = figure.querySelector("button.reveal");
  function toggle() {
    var blurred = image.classList.toggle("blurred");
    button.textContent = blurred ? button.dataset.show : button.dataset.hide;
  }
  button.addEventListener("click", toggle);
  image.addEventListener("click", function () { if (image.classList.contains("blurred")) { toggle(); } });
});
