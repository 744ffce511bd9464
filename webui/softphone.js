// A WebRTC softphone on JsSIP (npm, bundled into vendor/ by `make install`): SIP over a
// WebSocket (RFC 7118) to the platform's WebRTC edge (Kamailio + rtpengine), audio as DTLS-SRTP.
// Used by the web phone (/phone) and the agent desktop (registered, so the ACD's offers ring it).
// States: idle, registered, calling, ringing (ours, outbound), incoming (theirs: answer() or
// hangup()), connected, ended (then at once idle or registered again). Events: "state" (detail: {state, cause}), "remote" (the far end's
// MediaStream), "info" (an in-dialog INFO from the far end: {contentType, body}).
import JsSIP from "./vendor/jssip.js";

export class Softphone extends EventTarget {
  constructor({ ws, domain, user, register = false }) {
    super();
    this.domain = domain;
    this.state = "idle";
    this.session = null;
    this.remote = null;
    this.analyser = null;
    this.ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(ws)],
      uri: `sip:${user}@${domain}`,
      register,
      session_timers: false,
      user_agent: "vxml-platform softphone",
    });
    this.ua.on("registered", () => { if (!this.session) this.#set("registered"); });
    this.ua.on("registrationFailed", (e) => this.#set("unregistered", { cause: e.cause }));
    this.ua.on("newRTCSession", ({ session, originator }) => {
      if (originator !== "remote") return;
      if (this.session) {
        session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
        return;
      }
      this.#attach(session, "incoming");
    });
    this.ua.start();
  }

  /** Take the incoming call. */
  answer() {
    if (this.session && this.state === "incoming") {
      this.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    }
  }

  /** Call a number (the request-URI's user; the platform maps it to an app). */
  call(number) {
    if (this.session) return;
    const session = this.ua.call(`sip:${number}@${this.domain}`, {
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] },
      extraHeaders: ["X-Prompt-Text: text/plain"],  // the platform sends each prompt's text as INFO
    });
    this.#attach(session, "calling");
  }

  /** A key, as an RFC 4733 telephone-event in the audio stream. */
  press(key) {
    if (this.session && this.state === "connected") {
      this.session.sendDTMF(key, { transportType: "RFC2833", duration: 160, interToneGap: 80 });
    }
  }

  hangup() {
    if (this.session) this.session.terminate();
  }

  /** The far end's loudness now (RMS of the last 2048 samples, 0..1), by a WebAudio analyser. */
  level() {
    if (!this.analyser) return 0;
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    return Math.sqrt(sum / samples.length);
  }

  #set(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...detail } }));
  }

  /** The far end's strongest frequency now (Hz), from the analyser's spectrum. */
  dominant() {
    if (!this.analyser) return 0;
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(bins);
    let best = 1;
    for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    return (best * this.analyser.context.sampleRate) / this.analyser.fftSize;
  }

  #attach(session, state) {
    this.session = session;
    this.#set(state);
    if (session.connection) this.#media(session.connection);
    session.on("peerconnection", ({ peerconnection }) => this.#media(peerconnection));
    session.on("progress", (e) => { if (e.originator === "remote") this.#set("ringing"); });  // not our own 180
    session.on("confirmed", () => this.#set("connected"));
    session.on("ended", (e) => this.#end(e.cause));
    session.on("failed", (e) => this.#end(e.cause));
    session.on("newInfo", (e) => {
      if (e.originator === "remote") {
        this.dispatchEvent(new CustomEvent("info", { detail: { contentType: e.info.contentType, body: e.info.body } }));
      }
    });
  }

  #media(pc) {
    pc.addEventListener("track", (event) => {
      this.remote = event.streams[0] || new MediaStream([event.track]);
      const context = new AudioContext();
      this.analyser = context.createAnalyser();
      this.analyser.fftSize = 2048;
      context.createMediaStreamSource(this.remote).connect(this.analyser);
      this.dispatchEvent(new CustomEvent("remote", { detail: this.remote }));
    });
  }

  #end(cause) {
    this.session = null;
    this.analyser = null;
    this.#set("ended", { cause });
    if (this.ua.isRegistered()) this.#set("registered");
    else this.state = "idle";  // ready for the next call; the page keeps showing how this one ended
  }
}
