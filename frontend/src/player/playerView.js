/** The movie page's player: an HTML5 video on the stream URL, the resume offer, event tracking, and
 * a seek bar that shows the frame under the pointer (seek previews) when the movie has them. */

import { getTrickplayTrack } from "../api.js";
import { h } from "../dom.js";
import { formatClock } from "../format.js";
import { PlaybackTracker } from "./tracker.js";
import { cueAt, parseThumbnailsVtt, timeAtPointer } from "./trickplay.js";

/** A range input under the video, kept in step with it; hovering or dragging shows the preview frame. */
function seekBar(video, trackUrl) {
  const SCALE = 1000;
  const input = h("input", { class: "player__seek", type: "range", min: 0, max: SCALE, step: 1, value: 0, "aria-label": "Seek" });
  const image = h("div", { class: "player__preview-image" });
  const time = h("span", { class: "player__preview-time" });
  const preview = h("div", { class: "player__preview", hidden: true, "aria-hidden": "true" }, image, time);
  const row = h("div", { class: "player__seek-row" }, preview, input);
  const controller = new AbortController();
  let cues = [];
  let dragging = false;

  getTrickplayTrack(trackUrl, { signal: controller.signal })
    .then((text) => {
      cues = parseThumbnailsVtt(text, new URL(trackUrl, location.href).href);
      row.dataset.previews = String(cues.length);
    })
    .catch(() => {}); // without previews the bar still seeks

  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0);

  function show(seconds) {
    const cue = cueAt(cues, seconds);
    const length = duration();
    if (!cue || !length) return;
    Object.assign(image.style, {
      width: `${cue.w}px`,
      height: `${cue.h}px`,
      backgroundImage: `url("${cue.url}")`,
      backgroundPosition: `-${cue.x}px -${cue.y}px`,
    });
    time.textContent = formatClock(seconds);
    const half = cue.w / 2 + 4;
    const x = Math.min(Math.max((seconds / length) * row.clientWidth, half), Math.max(half, row.clientWidth - half));
    preview.style.left = `${x}px`;
    preview.hidden = false;
  }

  function hide() {
    if (!dragging) preview.hidden = true;
  }

  input.addEventListener("pointermove", (event) => show(timeAtPointer(event.clientX, input.getBoundingClientRect(), duration())));
  input.addEventListener("pointerleave", hide);
  input.addEventListener("pointerdown", () => (dragging = true));
  window.addEventListener("pointerup", () => {
    dragging = false;
    hide();
  }, { signal: controller.signal });
  input.addEventListener("input", () => {
    const seconds = (Number(input.value) / SCALE) * duration();
    show(seconds);
    if (duration()) video.currentTime = seconds;
  });
  input.addEventListener("blur", hide);
  video.addEventListener("timeupdate", () => {
    if (!dragging && duration()) input.value = String(Math.round((video.currentTime / duration()) * SCALE));
  });
  return { node: row, destroy: () => controller.abort() };
}

/** Worth offering to resume: past the first seconds and not at the very end. */
export function shouldOfferResume(resume, duration) {
  if (!resume || !(resume.position >= 5)) return false;
  const length = Number(duration || resume.duration) || 0;
  return !length || resume.position < length - 10;
}

export function playerView({ movie, queue, viewerId }) {
  const video = h("video", {
    class: "player__video",
    controls: true,
    preload: "metadata",
    playsInline: true,
    src: movie.video.stream_url,
    "aria-label": `Video: ${movie.title}`,
  });
  if (movie.video.content_type) video.dataset.contentType = movie.video.content_type;

  const tracker = new PlaybackTracker({
    video,
    movieId: movie.id,
    viewerId,
    queue,
    isVisible: () => document.visibilityState !== "hidden",
  });
  // Closing the tab or reloading ends the session; the queue then beacons it out.
  const unhook = queue.beforeLeave(() => tracker.leave());

  const seek = movie.trickplay_url ? seekBar(video, movie.trickplay_url) : null;
  const wrapper = h("div", { class: "player" }, video, seek ? seek.node : null);
  let offer = null;

  function whenReady(callback) {
    if (video.readyState >= 1) callback();
    else video.addEventListener("loadedmetadata", callback, { once: true });
  }

  function startAt(seconds) {
    if (offer) offer.remove();
    offer = null;
    whenReady(() => {
      if (seconds > 0) video.currentTime = seconds;
      const playing = video.play();
      if (playing && playing.catch) playing.catch(() => video.focus());
    });
  }

  // The tracker reports the error to the API; the viewer gets words and a way to try again.
  video.addEventListener("error", () => {
    if (wrapper.querySelector(".player__error")) return;
    const position = video.currentTime || 0;
    const notice = h(
      "div",
      { class: "player__error", role: "alert" },
      h("p", { class: "player__offer-title" }, "This video cannot be played right now."),
      h("p", { class: "player__offer-text" }, "Check your connection, then try again."),
      h(
        "button",
        {
          class: "button",
          type: "button",
          onclick: () => {
            notice.remove();
            video.load();
            startAt(position);
          },
        },
        "Try again",
      ),
    );
    wrapper.append(notice);
  });

  const resume = movie.resume;
  if (shouldOfferResume(resume, movie.video.duration)) {
    const at = formatClock(resume.position);
    const continueButton = h("button", { class: "button", type: "button", onclick: () => startAt(resume.position) }, `▶ Continue from ${at}`);
    offer = h(
      "div",
      { class: "player__offer", role: "dialog", "aria-modal": "false", "aria-labelledby": "resume-title" },
      h("p", { class: "player__offer-title", id: "resume-title" }, `Continue from ${at}?`),
      h("p", { class: "player__offer-text" }, "You stopped here last time."),
      h("div", { class: "player__offer-actions" }, continueButton, h("button", { class: "button button--ghost", type: "button", onclick: () => startAt(0) }, "Start over")),
    );
    wrapper.append(offer);
    // Playing from the native controls answers the question too.
    video.addEventListener("play", () => offer && (offer.remove(), (offer = null)), { once: true });
  }

  return {
    node: wrapper,
    video,
    destroy() {
      unhook();
      tracker.destroy();
      if (seek) seek.destroy();
      video.pause();
      video.removeAttribute("src");
      video.load(); // lets go of the connection the stream holds open
    },
  };
}
