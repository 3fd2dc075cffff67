/* Reply in place: a comment's "Reply" link moves the Leave a Reply block under that
 * comment instead of opening the reply page. Without this script (or without a form,
 * for a reader who is not logged in) the link opens /comments/<id>/reply/ as before.
 * A motive section's "Discuss this motive" link does the same under its section, with
 * the section in the form's hidden `section` field (without it: /comments/section/<id>/).
 * No inline script, no framework: loaded with `defer` from comments/discussion.html.
 */
(function () {
  "use strict";

  var respond = document.getElementById("respond");
  var discussion = document.getElementById("comments");
  if (!respond || !discussion) {
    return;
  }
  var form = respond.querySelector("#commentform");
  var replyTo = form && form.elements.namedItem("reply_to");
  var sectionField = form && form.elements.namedItem("section");
  var textarea = form && form.querySelector("textarea");
  var cancel = document.getElementById("cancel-reply");
  var title = document.getElementById("reply-title-text");
  if (!form || !replyTo || !sectionField || !textarea || !cancel || !title) {
    // Logged out (login choices, not a form), or markup this script does not know:
    // the Reply links keep opening the reply page.
    return;
  }

  // Where the block goes back to on "Cancel reply".
  var home = document.createElement("span");
  home.hidden = true;
  home.className = "respond__home";
  respond.parentNode.insertBefore(home, respond);

  var originalTitle = title.textContent;
  var opener = null;

  function commentOf(link) {
    var item = link.closest("li.comment");
    return item && item.querySelector(":scope > .comment__author") ? item : null;
  }

  function open(link, focus) {
    var item = commentOf(link);
    if (!item) {
      return false;
    }
    var author = item.querySelector(":scope > .comment__author");
    // After the comment's own text and buttons, before its replies.
    var replies = item.querySelector(":scope > ol");
    item.insertBefore(respond, replies);
    replyTo.value = link.getAttribute("data-reply-to");
    // A reply discusses what its thread discusses: the server takes the parent's section.
    sectionField.value = "";
    title.textContent = "Reply to " + (author ? author.textContent.trim() : "this comment");
    cancel.hidden = false;
    respond.classList.add("respond--reply");
    opener = link;
    if (focus) {
      textarea.focus();
    }
    return true;
  }

  function openUnderSection(link, focus) {
    var section = link.closest("section.section");
    var where = link.closest(".section__discussion");
    if (!section || !where) {
      return false;
    }
    where.after(respond);
    replyTo.value = "0";
    sectionField.value = link.getAttribute("data-section");
    title.textContent = "Discuss “" + link.getAttribute("data-section-label") + "”";
    cancel.hidden = false;
    respond.classList.add("respond--reply", "respond--section");
    opener = link;
    if (focus) {
      textarea.focus();
    }
    return true;
  }

  function close() {
    home.after(respond);
    replyTo.value = "0";
    sectionField.value = "";
    respond.classList.remove("respond--section");
    title.textContent = originalTitle;
    cancel.hidden = true;
    respond.classList.remove("respond--reply");
    var link = opener;
    opener = null;
    if (link && link.isConnected) {
      link.focus();
    }
  }

  function plainClick(event) {
    // Ctrl/Cmd/Shift-click or a middle click still opens the reply page elsewhere.
    return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
  }

  discussion.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment__reply[data-reply-to]");
    if (!link || !discussion.contains(link) || !plainClick(event)) {
      return;
    }
    if (open(link, true)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.section__discuss[data-section]");
    if (!link || !plainClick(event)) {
      return;
    }
    if (openUnderSection(link, true)) {
      event.preventDefault();
    }
  });

  cancel.addEventListener("click", function (event) {
    event.preventDefault();
    close();
  });

  // A browser that restored the form's fields (back button, reload) may bring back a
  // reply_to: put the block where that reply belongs, or back to a top-level comment.
  var restored = replyTo.value;
  if (restored && restored !== "0") {
    var link = discussion.querySelector(
      'a.comment__reply[data-reply-to="' + restored.replace(/[^0-9]/g, "") + '"]'
    );
    if (!link || !open(link, false)) {
      replyTo.value = "0";
    }
  } else if (sectionField.value) {
    var discuss = document.querySelector(
      'a.section__discuss[data-section="' + sectionField.value.replace(/[^0-9]/g, "") + '"]'
    );
    if (!discuss || !openUnderSection(discuss, false)) {
      sectionField.value = "";
    }
  }
})();
