//! How a gateway proves who it is to a source or a target.

use serde::Deserialize;

use super::TransportError;

/// A secret given inline (`token = "…"`) or, better, named by an environment
/// variable (`token = { env = "PSA_TOKEN" }`) so config files hold no secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Secret {
    /// The secret itself.
    Inline(String),
    /// The environment variable that holds it.
    Env {
        /// The variable's name.
        env: String,
    },
}

impl Secret {
    /// The secret's value; a missing variable is an error naming it.
    pub fn reveal(&self, endpoint: &str) -> Result<String, TransportError> {
        match self {
            Secret::Inline(s) => Ok(s.clone()),
            Secret::Env { env } => std::env::var(env).map_err(|_| TransportError::Config {
                endpoint: endpoint.to_owned(),
                message: format!(
                    "environment variable {env} is not set; export it before starting the gateway"
                ),
            }),
        }
    }
}

/// Authentication of one source or target (`auth = { type = "bearer", token = … }`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Auth {
    /// No credentials (public SDMX endpoints, PX-Web).
    #[default]
    None,
    /// An API key sent in a header of the provider's choosing.
    ApiKey {
        /// The header name, e.g. `X-API-Key` or `Ocp-Apim-Subscription-Key`.
        header: String,
        /// The key.
        key: Secret,
    },
    /// `Authorization: Bearer TOKEN` (what `sdmxgw serve` expects of providers).
    Bearer {
        /// The token.
        token: Secret,
    },
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

/// Credentials resolved once, when the client is built, so a missing variable
/// fails at start-up rather than at the first scheduled run.
#[derive(Debug, Clone)]
pub(super) enum ResolvedAuth {
    None,
    Header(String, String),
    Bearer(String),
    Basic(String, String),
}

impl Auth {
    pub(super) fn resolve(&self, endpoint: &str) -> Result<ResolvedAuth, TransportError> {
        Ok(match self {
            Auth::None => ResolvedAuth::None,
            Auth::ApiKey { header, key } => {
                ResolvedAuth::Header(header.clone(), key.reveal(endpoint)?)
            }
            Auth::Bearer { token } => ResolvedAuth::Bearer(token.reveal(endpoint)?),
            Auth::Basic { username, password } => {
                ResolvedAuth::Basic(username.clone(), password.reveal(endpoint)?)
            }
        })
    }
}

impl ResolvedAuth {
    pub(super) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            ResolvedAuth::None => req,
            ResolvedAuth::Header(h, v) => req.header(h.as_str(), v.as_str()),
            ResolvedAuth::Bearer(t) => req.bearer_auth(t),
            ResolvedAuth::Basic(u, p) => req.basic_auth(u, Some(p)),
        }
    }
}
