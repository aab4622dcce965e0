// Evaluated by tests/web/test_hls_browser.py in the page: plays the master playlist with
// hls.js, picks a subtitle language, and reports what a viewer would see.
async ([src, lang, at]) => {
  const video = document.getElementById('v');
  const hls = new Hls({ subtitleDisplay: true, enableWorker: false });
  const events = [];
  hls.on(Hls.Events.ERROR, (_e, d) => events.push(`${d.type}:${d.details}:${d.fatal}`));
  const parsed = new Promise(r => hls.on(Hls.Events.MANIFEST_PARSED, r));
  // Where the player puts the film's first frame on its timeline (hls.js starts it at the
  // first decode timestamp, so with B-frames the first picture is a frame or two later).
  let firstFrame = null;
  hls.on(Hls.Events.FRAG_PARSED, (_e, d) => {
    const v = d.frag.elementaryStreams && d.frag.elementaryStreams.video;
    if (d.frag.type === 'main' && d.frag.sn === 0 && v) firstFrame = v.startPTS;
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  await parsed;
  const tracks = hls.subtitleTracks.map(t => ({ name: t.name, lang: t.lang, default: t.default }));
  hls.subtitleTrack = hls.subtitleTracks.findIndex(t => t.lang === lang);
  await video.play();
  const until = async (cond, ms) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { if (cond()) return true; await new Promise(r => setTimeout(r, 50)); }
    return false;
  };
  const played = await until(() => video.currentTime > 0.8 && video.videoWidth > 0, 15000);
  video.pause();
  const textTrack = () => Array.from(video.textTracks).find(t => t.language === lang && t.mode === 'showing');
  const active = () => {
    const t = textTrack();
    return t && t.activeCues ? Array.from(t.activeCues).map(c => ({ text: c.text, start: c.startTime, end: c.endTime })) : [];
  };
  const seek = async (t) => {
    const done = new Promise(r => video.addEventListener('seeked', r, { once: true }));
    video.currentTime = t;
    await done;
  };
  // On the player's timeline film time t is at firstFrame + t.
  const zero = firstFrame || 0;
  // Before the cue: nothing (the previous cue ended at 2.5 s).
  await seek(zero + at - 0.2);
  await until(() => textTrack() && textTrack().cues && textTrack().cues.length > 0, 10000);
  await new Promise(r => setTimeout(r, 300));
  const before = active();
  await seek(zero + at + 0.05);
  const shown = await until(() => active().length > 0, 10000);
  const during = active();
  const all = textTrack() ? Array.from(textTrack().cues).map(c => ({ text: c.text, start: c.startTime, end: c.endTime })) : [];
  return {
    tracks, played, shown, before, during, all, events, firstFrame,
    textTracks: Array.from(video.textTracks).map(t => ({ kind: t.kind, label: t.label, language: t.language })),
    videoWidth: video.videoWidth, currentTime: video.currentTime,
  };
}
