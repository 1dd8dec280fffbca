//! The login of one connection: a SCRAM-SHA-256 exchange against the users'
//! verifiers. A user who does not exist goes through the same exchange
//! against a mock verifier and fails at the same step with the same
//! message, so a client cannot tell which users exist. Failed logins are
//! logged with the peer address and slowed down per address.

use std::fmt::Debug;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion_postgres::pgwire::api::auth::{
    DefaultServerParameterProvider, StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, ConnectionHandle, PgWireConnectionState, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::startup::Authentication;
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use futures::{Sink, SinkExt};
use tokio::sync::Mutex;

use super::query_control::{CancelRouter, QueryControl};
use super::scram::{Exchange, Verifier};
use super::throttle::Throttle;
use super::users::Users;

const MECHANISM: &str = "SCRAM-SHA-256";

/// What every connection's login shares.
pub struct LoginPolicy {
    pub users: Users,
    pub throttle: Throttle,
    pub parameters: DefaultServerParameterProvider,
    pub cancels: Arc<CancelRouter>,
    /// One for the server, so that process ids are unique.
    pub pids: RandomPidSecretKeyGenerator,
}

enum Step {
    AwaitingClientFirst,
    AwaitingClientFinal {
        exchange: Exchange,
        verifier: Verifier,
        known: bool,
    },
}

pub struct Login {
    policy: Arc<LoginPolicy>,
    step: Mutex<Step>,
    /// Set to the user's name once the login succeeded.
    user: Arc<OnceLock<String>>,
    /// The connection's queries, which cancel requests reach from login on.
    control: Arc<QueryControl>,
}

impl Login {
    pub fn new(policy: Arc<LoginPolicy>, user: Arc<OnceLock<String>>, control: Arc<QueryControl>) -> Self {
        Self {
            policy,
            step: Mutex::new(Step::AwaitingClientFirst),
            user,
            control,
        }
    }
}

fn refusal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_string(),
        code.to_string(),
        message,
    )))
}

fn authentication_failed(user: &str) -> PgWireError {
    refusal(
        "28P01",
        format!("password authentication failed for user \"{user}\""),
    )
}

fn text(data: &[u8]) -> PgWireResult<&str> {
    std::str::from_utf8(data).map_err(|_| refusal("08P01", "SCRAM message is not UTF-8".to_string()))
}

#[async_trait]
impl StartupHandler for Login {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let peer = client.socket_addr();
        let user = client.metadata().get("user").cloned().unwrap_or_default();
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(vec![
                        MECHANISM.to_string(),
                    ])))
                    .await?;
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                let mut step = self.step.lock().await;
                match &*step {
                    Step::AwaitingClientFirst => {
                        let initial = message.into_sasl_initial_response()?;
                        if initial.auth_method != MECHANISM {
                            return Err(refusal(
                                "28000",
                                format!("unsupported SASL mechanism {}", initial.auth_method),
                            ));
                        }
                        tokio::time::sleep(self.policy.throttle.delay(peer.ip())).await;
                        let (verifier, known) = self.policy.users.verifier(&user);
                        let data = initial.data.unwrap_or_default();
                        let (exchange, server_first) =
                            Exchange::start(text(&data)?, &verifier).map_err(|e| refusal("08P01", e))?;
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(server_first.into()),
                            ))
                            .await?;
                        *step = Step::AwaitingClientFinal {
                            exchange,
                            verifier,
                            known,
                        };
                    }
                    Step::AwaitingClientFinal {
                        exchange,
                        verifier,
                        known,
                    } => {
                        let response = message.into_sasl_response()?;
                        let server_final = exchange
                            .finish(text(&response.data)?, verifier)
                            .map_err(|e| refusal("08P01", e))?
                            .filter(|_| *known);
                        let Some(server_final) = server_final else {
                            let failures = self.policy.throttle.failed(peer.ip());
                            tracing::warn!(%peer, user, failures, "login failed");
                            return Err(authentication_failed(&user));
                        };
                        self.policy.throttle.succeeded(peer.ip());
                        client
                            .send(PgWireBackendMessage::Authentication(Authentication::SASLFinal(
                                server_final.into(),
                            )))
                            .await?;
                        let (pid, secret_key) = self.policy.pids.generate(client);
                        client.set_pid_and_secret_key(pid, secret_key.clone());
                        // Cancel requests reach pgwire's handle while a query
                        // is planned and the QueryControl while it runs.
                        let connections = self.policy.cancels.pgwire_connections();
                        let (handle, guard) = connections.register(pid, secret_key.clone());
                        client
                            .session_extensions()
                            .insert::<Arc<ConnectionHandle>>(handle);
                        client.session_extensions().insert(guard);
                        let registration = self.policy.cancels.register(pid, &secret_key, &self.control);
                        client.session_extensions().insert(registration);
                        finish_authentication(client, &self.policy.parameters).await?;
                        tracing::info!(%peer, user, pid, "logged in");
                        let _ = self.user.set(user);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
