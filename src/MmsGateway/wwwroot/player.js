// MmsGateway player: plays /streams/{name}/index.m3u8 with hls.js (bundled, no CDN) where the browser has Media
// Source Extensions, or with the browser's own HLS (Safari, iOS). Says what happens in words: the player's state,
// the upstream's state from /streams, and every error. window.mmsgwPlayer exposes the same for tests.
(function () {
  'use strict';
  var name = document.body.getAttribute('data-stream');
  // The page's own query (a signed URL's exp and sig, Gateway:Security:ViewerKeys) goes with every request it makes.
  var playlist = 'index.m3u8' + location.search;
  var stateEl = document.getElementById('state');
  var errorEl = document.getElementById('error');
  var upstreamEl = document.getElementById('upstream');
  var qualityRow = document.getElementById('quality-row');
  var qualitySelect = document.getElementById('quality');
  var qualityNow = document.getElementById('quality-now');
  var status = { engine: null, audioOnly: null, levels: [], mediaErrors: [], fatalErrors: [], otherErrors: [], playing: false, state: 'loading' };
  window.mmsgwPlayer = status;
  var media = document.getElementById('media');
  var hls = null;
  var retryTimer = null;

  function say(text, state) { stateEl.textContent = text; status.state = state || text; }
  function showError(text) { errorEl.hidden = false; errorEl.textContent = text; }
  function clearError() { errorEl.hidden = true; errorEl.textContent = ''; }
  function kbps(bits) { return Math.round(bits / 1000) + ' kb/s'; }
  function retryLater(seconds) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(start, seconds * 1000);
  }

  // The upstream side, from GET /streams/{name}/status (GET /streams may need the admin key).
  function describeUpstream(s) {
    var words = { idle: 'idle (connects when someone watches)', connecting: 'connecting', playing: 'receiving', reconnecting: 'reconnecting' };
    var text = 'Upstream: ' + (words[s.state] || s.state);
    if (s.protocol) text += ' over ' + s.protocol.toUpperCase();
    text += ' · ' + s.viewers + (s.viewers === 1 ? ' viewer' : ' viewers');
    if (s.adaptation && s.adaptation.enabled && s.adaptation.step >= 0) text += ' · smart streaming: ' + s.adaptation.current;
    if (s.lastError) text += ' · last problem: ' + s.lastError;
    return text;
  }
  function pollUpstream() {
    fetch('status' + location.search, { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (doc) {
      var s = (doc.streams || []).filter(function (x) { return x.name.toLowerCase() === name.toLowerCase(); })[0];
      upstreamEl.textContent = s ? describeUpstream(s) : 'Upstream: this stream is no longer configured.';
      status.upstream = s ? s.state : null;
    }).catch(function () { upstreamEl.textContent = 'Upstream: the gateway does not answer.'; });
  }

  function useAudioElement() {
    if (media.tagName === 'AUDIO') return;
    var audio = document.createElement('audio');
    audio.id = 'media';
    audio.controls = true;
    audio.autoplay = true;
    media.replaceWith(audio);
    media = audio;
  }

  function watchMedia() {
    media.addEventListener('playing', function () { status.playing = true; clearError(); say('Playing', 'playing'); });
    media.addEventListener('waiting', function () { say('Buffering…', 'buffering'); });
    media.addEventListener('pause', function () { if (!media.ended) say('Paused', 'paused'); });
    media.addEventListener('error', function () {
      var e = media.error;
      var text = 'The browser could not play the stream' + (e ? ' (' + (e.message || 'media error ' + e.code) + ')' : '') + '.';
      status.mediaErrors.push(text);
      showError(text);
      say('Stopped by an error', 'error');
    });
  }

  function tryPlay() {
    var p = media.play();
    if (!p || !p.catch) return;
    p.catch(function (e) {
      if (e.name !== 'NotAllowedError') return;
      if (media.tagName === 'VIDEO' && !media.muted) {
        // Browsers let muted video start by itself: start muted and say how to get sound.
        media.muted = true;
        media.play().then(function () { say('Playing muted: use the speaker button for sound', 'playing'); }).catch(function () {
          say('Press play to start', 'waiting-for-user');
        });
      } else {
        say('Press play to start', 'waiting-for-user');
      }
    });
  }

  function describeHlsError(data) {
    var code = data.response && data.response.code;
    switch (data.details) {
      case 'manifestLoadError': case 'levelLoadError':
        return 'The stream\'s playlist could not be loaded' + (code ? ' (HTTP ' + code + ')' : '') + '.';
      case 'manifestLoadTimeOut': case 'levelLoadTimeOut':
        return 'The gateway took too long to answer for the playlist.';
      case 'fragLoadError': case 'fragLoadTimeOut':
        return 'A piece of the stream could not be loaded' + (code ? ' (HTTP ' + code + ')' : '') + '.';
      case 'bufferStalledError':
        return 'Playback ran out of data: the stream is late.';
      default:
        return 'Playback problem: ' + data.details + '.';
    }
  }

  // For a failed request, the gateway's answer says why in words: show it.
  function explain(url, fallback) {
    if (!url) { showError(fallback); return; }
    fetch(url, { cache: 'no-store' }).then(function (r) {
      return r.ok ? fallback : r.text().then(function (t) { return fallback + ' ' + t.trim(); });
    }).catch(function () { return fallback + ' The gateway does not answer.'; }).then(showError);
  }

  function showLevels() {
    if (!hls || hls.levels.length < 2) { qualityRow.hidden = true; return; }
    qualityRow.hidden = false;
    qualitySelect.innerHTML = '';
    var auto = document.createElement('option');
    auto.value = '-1';
    auto.textContent = 'automatic';
    qualitySelect.appendChild(auto);
    hls.levels.forEach(function (l, i) {
      var o = document.createElement('option');
      o.value = String(i);
      o.textContent = (l.width ? l.width + '×' + l.height + ', ' : '') + kbps(l.bitrate);
      qualitySelect.appendChild(o);
    });
    qualitySelect.value = String(hls.autoLevelEnabled ? -1 : hls.currentLevel);
  }

  function startHlsJs() {
    status.engine = 'hls.js';
    hls = new Hls({ lowLatencyMode: true, backBufferLength: 30, enableWorker: true });
    hls.on(Hls.Events.MANIFEST_PARSED, function (e, data) {
      status.levels = data.levels.map(function (l) { return { width: l.width, height: l.height, bitrate: l.bitrate, codecs: l.codecSet }; });
      showLevels();
      say('Loading the stream…', 'loading');
      tryPlay();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function (e, data) {
      var l = hls.levels[data.level];
      status.currentLevel = data.level;
      qualityNow.textContent = l ? 'now ' + (l.width ? l.width + '×' + l.height + ', ' : '') + kbps(l.bitrate) : '';
    });
    hls.on(Hls.Events.ERROR, function (e, data) {
      var text = describeHlsError(data);
      if (!data.fatal) {
        status.otherErrors.push(data.details);
        if (data.details === 'bufferStalledError') say('Buffering: waiting for the stream…', 'buffering');
        return;
      }
      status.fatalErrors.push(data.details);
      say('Trying again…', 'retrying');
      explain(data.url || (data.context && data.context.url), text);
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && data.details !== 'manifestLoadError') {
        setTimeout(function () { if (hls) hls.startLoad(); }, 2000);
      } else {
        hls.destroy();
        hls = null;
        retryLater(5);
      }
    });
    hls.loadSource(playlist);
    hls.attachMedia(media);
  }

  function startNative() {
    status.engine = 'native';
    media.src = playlist;
    tryPlay();
  }

  function start() {
    clearTimeout(retryTimer);
    say('Starting the stream: connecting upstream and starting the transcoder…', 'starting');
    // The multivariant playlist says whether there is video, and if not why not (in words).
    fetch(playlist, { cache: 'no-store' }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          showError('The stream cannot be played now: ' + text.trim() + ' (HTTP ' + response.status + ')');
          say('Not playing; trying again shortly', 'unavailable');
          retryLater(10);
          return;
        }
        clearError();
        status.audioOnly = !/RESOLUTION=/.test(text) && !/avc1|avc3|hvc1|hev1/.test(text);
        if (status.audioOnly) useAudioElement();
        if (!status.wired) { watchMedia(); status.wired = true; }
        var engine = new URLSearchParams(location.search).get('engine');
        var native = media.canPlayType('application/vnd.apple.mpegurl');
        var mse = window.Hls && Hls.isSupported();
        // Apple's own HLS is the better player where it exists (Safari); elsewhere hls.js over MSE.
        var preferNative = engine === 'native' || (engine !== 'hlsjs' && native && (!mse || /Apple/.test(navigator.vendor || '')));
        if (preferNative && native) startNative();
        else if (mse) startHlsJs();
        else if (native) startNative();
        else showError('This browser can play neither HLS nor Media Source Extensions: use the ASF stream in VLC or mpv.');
      });
    }).catch(function (e) {
      showError('The gateway cannot be reached (' + e.message + ').');
      say('Not playing; trying again shortly', 'unavailable');
      retryLater(10);
    });
  }

  qualitySelect.addEventListener('change', function () {
    if (!hls) return;
    hls.currentLevel = parseInt(qualitySelect.value, 10);
  });

  pollUpstream();
  setInterval(pollUpstream, 3000);
  start();
})();
