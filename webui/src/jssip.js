// JsSIP (CommonJS on npm) as one ES module for the web phone: `import JsSIP from "/webui/vendor/jssip.js"`.
import JsSIP from "jssip";

export default JsSIP;
