//! Evidence objects for backups, as plain blocking reads and writes: the backup engine is
//! sequential (zip files and database transactions are blocking), and drives the object store's
//! futures on a runtime of its own.

use std::io::{Read, Write};

use actix_web::web::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::format::ObjectEntry;
use super::Error;
use crate::config::Config;
use crate::storage::Storage;

pub struct Objects {
    storage: Storage,
    rt: tokio::runtime::Runtime,
}

fn failed(e: crate::error::AppError) -> Error {
    Error::Failed(format!("evidence storage: {}", e.detail))
}

impl Objects {
    pub fn open(config: &Config) -> Result<Objects, Error> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::Failed(e.to_string()))?;
        Ok(Objects { storage: Storage::open(config).map_err(Error::Failed)?, rt })
    }

    /// Reads an object; `None` when it is missing.
    pub fn reader(&self, key: &str) -> Result<Option<ObjectReader<'_>>, Error> {
        match self.rt.block_on(self.storage.get(key, None)) {
            Ok(r) => Ok(Some(ObjectReader { rt: &self.rt, stream: r.into_stream(), pending: Bytes::new() })),
            Err(e) if e.code == "evidence_missing" => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    pub fn size(&self, key: &str) -> Result<Option<u64>, Error> {
        self.rt.block_on(self.storage.size(key)).map_err(failed)
    }

    /// Stores what `src` yields under the object's key if it is exactly the object (size and
    /// SHA-256); otherwise nothing is stored and the error names the object.
    pub fn write_checked(&self, object: &ObjectEntry, src: &mut dyn Read) -> Result<(), Error> {
        let upload = self.rt.block_on(self.storage.upload(&object.key)).map_err(failed)?;
        let mut out = UploadWriter { rt: &self.rt, upload };
        let checked = match copy_hashed(src, &mut out) {
            Err(e) => Err(Error::Failed(format!("object {}: {e}", object.key))),
            Ok((size, sha256)) if size != object.size || sha256 != object.sha256 => Err(Error::Damaged(format!(
                "object {}: {size} bytes with sha256 {sha256}, but the manifest says {} bytes with sha256 {}",
                object.key, object.size, object.sha256
            ))),
            Ok(_) => Ok(()),
        };
        let UploadWriter { upload, .. } = out;
        match checked {
            Ok(()) => self.rt.block_on(upload.finish()).map(drop).map_err(|e| Error::Failed(format!("evidence storage: {e}"))),
            Err(e) => {
                let _ = self.rt.block_on(upload.abort());
                Err(e)
            }
        }
    }

    pub fn delete(&self, key: &str) -> Result<(), Error> {
        self.rt.block_on(self.storage.delete(key)).map_err(failed)
    }
}

/// An object's bytes as a blocking reader.
pub struct ObjectReader<'a> {
    rt: &'a tokio::runtime::Runtime,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    pending: Bytes,
}

impl Read for ObjectReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            match self.rt.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => self.pending = chunk,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending.split_to(n));
        Ok(n)
    }
}

/// An upload in progress as a blocking writer.
struct UploadWriter<'a> {
    rt: &'a tokio::runtime::Runtime,
    upload: object_store::WriteMultipart,
}

impl Write for UploadWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.rt.block_on(self.upload.wait_for_capacity(4)).map_err(std::io::Error::other)?;
        // Parts are sent by tasks on the runtime, so it must be entered while they are started.
        let _in_runtime = self.rt.enter();
        self.upload.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Copies `src` to `out`, returning the size and SHA-256 of what passed.
pub fn copy_hashed(src: &mut dyn Read, out: &mut dyn Write) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            return Ok((size, hex::encode(hasher.finalize())));
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        size += n as u64;
    }
}
