// A call page while the call is in progress: new transcript lines arrive through the live stream
// (Server-Sent Events, live-calls.js) and are added under the lines the server already rendered.
import { initLiveCalls } from "./live-calls.js";

initLiveCalls();
