//! This machine's files carried to an engine on another machine, where bind
//! mounts cannot reach: each mount becomes a volume, filled once per session
//! by uploading an archive into a helper container that is never started.

use std::collections::HashMap;

use super::{api, DockerEngine};
use crate::docker::container::create_body;
use crate::docker::{files, ContainerSpec, DockerError, Engine};

impl DockerEngine {
    /// The create request for `spec`, its bind mounts turned into filled
    /// volumes when the engine is on another machine.
    pub(super) async fn body_for(
        &self,
        spec: &ContainerSpec,
        mut body: bollard::models::ContainerCreateBody,
    ) -> Result<bollard::models::ContainerCreateBody, DockerError> {
        if !self.upload_files || spec.mounts.is_empty() {
            return Ok(body);
        }
        let fills = files::plan(&spec.session, &spec.mounts).map_err(DockerError::Other)?;
        self.fill(spec, &fills).await?;
        if let Some(host) = body.host_config.as_mut() {
            host.mounts = Some(files::volume_mounts(&fills));
        }
        Ok(body)
    }

    /// Creates and fills each volume not filled yet in this session: an
    /// archive uploaded into a helper container that mounts it, never started.
    async fn fill(
        &self,
        spec: &ContainerSpec,
        fills: &[files::VolumeFill],
    ) -> Result<(), DockerError> {
        let mut filled = self.filled.lock().await;
        for f in fills {
            if filled.contains(&f.name) {
                continue;
            }
            let labels = HashMap::from([
                (
                    crate::docker::SESSION_LABEL.to_string(),
                    spec.session.clone(),
                ),
                (crate::docker::OWNER_LABEL.to_string(), spec.owner.clone()),
            ]);
            self.docker
                .create_volume(bollard::models::VolumeCreateRequest {
                    name: Some(f.name.clone()),
                    labels: Some(labels.clone()),
                    ..Default::default()
                })
                .await
                .map_err(|e| api(format!("create the volume {}", f.name), e))?;
            let archive = files::archive(f)
                .map_err(|e| DockerError::Other(format!("cannot pack {:?}: {e}", f.content)))?;
            let helper = ContainerSpec {
                name: format!("{}-fill-{}", spec.name, filled.len()),
                cmd: vec!["true".into()],
                mounts: vec![],
                labels: vec![],
                ..spec.clone()
            };
            let mut body = create_body(&helper);
            if let Some(host) = body.host_config.as_mut() {
                host.readonly_rootfs = Some(false);
                host.mounts = Some(vec![bollard::models::Mount {
                    target: Some("/fill".into()),
                    source: Some(f.name.clone()),
                    typ: Some(bollard::models::MountType::VOLUME),
                    read_only: Some(false),
                    ..Default::default()
                }]);
            }
            let id = self.create(&helper, body).await?;
            let opts = bollard::query_parameters::UploadToContainerOptions {
                path: "/fill".into(),
                ..Default::default()
            };
            let uploaded = self
                .docker
                .upload_to_container(&id, Some(opts), bollard::body_full(archive.into()))
                .await
                .map_err(|e| api(format!("fill the volume {}", f.name), e));
            self.remove_container(&id).await?;
            uploaded?;
            filled.insert(f.name.clone());
        }
        Ok(())
    }
}
