import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Amplify } from "aws-amplify";
import "@aws-amplify/ui-react/styles.css";
import "./styles.css";
import { loadConfig } from "./config";
import { App } from "./App";

const root = createRoot(document.getElementById("root")!);

loadConfig()
  .then((config) => {
    Amplify.configure(config);
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  })
  .catch(() => {
    root.render(
      <main className="page">
        <div className="notice notice-error" role="alert">
          <h1>We can't open the checkout right now</h1>
          <p>The page could not load its settings. Check your connection, then reload the page.</p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>,
    );
  });
