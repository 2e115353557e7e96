//! Signing identities: a local ES256 certificate authority and a signing
//! certificate made by `vivify keys init`, and the checks every certificate
//! and key pass before anything is signed with them, so a bad identity fails
//! with a sentence instead of a COSE error.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::der;
use vivify_media::error::{Error, Result};

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
const OID_DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";
/// The C2PA claim-signing purpose (C2PA 2.2); the official trust list wants it.
const OID_C2PA_CLAIM_SIGNING: &str = "1.3.6.1.4.1.62558.2.1";
/// Other purposes C2PA validators accept on a claim signer.
const OID_MS_C2PA: &str = "1.3.6.1.4.1.311.76.59.1.9";

/// How long the local authority and its signing certificate stay valid.
/// Without a time-stamp server (we never use the network) a manifest turns
/// invalid when its signing certificate expires, so both are long-lived.
pub const ROOT_YEARS: i64 = 30;
pub const SIGNER_YEARS: i64 = 20;

/// The algorithm a credential signs with, named as C2PA names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Alg {
    Es256,
    Es384,
    Es512,
    Ps256,
    Ed25519,
}

/// The files of a local identity.
#[derive(Clone, Debug, serde::Serialize)]
pub struct IdentityFiles {
    pub dir: PathBuf,
    /// The local authority's certificate: the trust anchor to hand to verifiers.
    pub root_cert: PathBuf,
    pub root_key: PathBuf,
    /// The signing certificate (leaf only; the root is the anchor).
    pub signer_cert: PathBuf,
    pub signer_key: PathBuf,
}

impl IdentityFiles {
    pub fn in_dir(dir: &Path) -> IdentityFiles {
        IdentityFiles {
            dir: dir.to_path_buf(),
            root_cert: dir.join("root.pem"),
            root_key: dir.join("root.key"),
            signer_cert: dir.join("signer.pem"),
            signer_key: dir.join("signer.key"),
        }
    }

    pub fn exist(&self) -> bool {
        self.signer_cert.is_file() && self.signer_key.is_file()
    }
}

/// What a certificate says, for `keys show` and for messages.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    pub alg: Option<Alg>,
    pub ca: bool,
}

/// A checked certificate chain and private key, ready to sign with.
/// (`Debug` leaves the key out, so options can be logged safely.)
#[derive(Clone)]
pub struct Credentials {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// Leaf first, then intermediates; self-signed roots are left out.
    pub chain_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub alg: Alg,
    pub signer: CertSummary,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .field("alg", &self.alg)
            .field("signer", &self.signer.subject)
            .finish_non_exhaustive()
    }
}

pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time.
pub fn format_time(t: i64) -> String {
    let (y, mo, d, h, mi, s) = der::civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
}

fn name(cn: &str, org: &str) -> Vec<u8> {
    let rdn = |oid: &str, v: Vec<u8>| der::set(&[der::sequence(&[der::oid(oid), v])]);
    der::sequence(&[
        rdn("2.5.4.6", der::printable("XX")),
        rdn("2.5.4.10", der::utf8(org)),
        rdn("2.5.4.3", der::utf8(cn)),
    ])
}

fn extension(oid: &str, critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![der::oid(oid)];
    if critical {
        parts.push(der::boolean(true));
    }
    parts.push(der::octets(&value));
    der::sequence(&parts)
}

/// A key identifier: the first 20 bytes of SHA-256 over the public key
/// (RFC 7093 method 1).
fn key_id(public: &[u8]) -> Vec<u8> {
    Sha256::digest(public)[..20].to_vec()
}

fn spki(public: &[u8]) -> Vec<u8> {
    der::sequence(&[der::sequence(&[der::oid(OID_EC_PUBLIC_KEY), der::oid(OID_P256)]), der::bits(public, 0)])
}

fn random_serial() -> Vec<u8> {
    let mut s = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut s);
    s[0] = (s[0] & 0x7F) | 0x40; // positive, and always 16 bytes long
    s.to_vec()
}

struct CertSpec<'a> {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    public: &'a [u8],
    issuer_public: &'a [u8],
    not_before: i64,
    not_after: i64,
    ca: bool,
}

/// Builds and signs one certificate (ECDSA P-256 with SHA-256).
fn certificate(spec: &CertSpec<'_>, issuer_key: &SigningKey) -> Vec<u8> {
    let alg = der::sequence(&[der::oid(OID_ECDSA_SHA256)]);
    let mut exts = Vec::new();
    if spec.ca {
        exts.push(extension("2.5.29.19", true, der::sequence(&[der::boolean(true), der::small_int(0)])));
        // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110, one unused bit.
        exts.push(extension("2.5.29.15", true, der::bits(&[0x06], 1)));
    } else {
        exts.push(extension("2.5.29.19", true, der::sequence(&[])));
        // digitalSignature (bit 0) only.
        exts.push(extension("2.5.29.15", true, der::bits(&[0x80], 7)));
        let purposes = [OID_EMAIL_PROTECTION, OID_DOCUMENT_SIGNING, OID_C2PA_CLAIM_SIGNING];
        exts.push(extension("2.5.29.37", false, der::sequence(&purposes.map(der::oid))));
    }
    exts.push(extension("2.5.29.14", false, der::octets(&key_id(spec.public))));
    exts.push(extension("2.5.29.35", false, der::sequence(&[der::implicit_primitive(0, &key_id(spec.issuer_public))])));
    let tbs = der::sequence(&[
        der::explicit(0, &der::small_int(2)),
        der::unsigned(&random_serial()),
        alg.clone(),
        spec.issuer.clone(),
        der::sequence(&[der::time(spec.not_before), der::time(spec.not_after)]),
        spec.subject.clone(),
        spki(spec.public),
        der::explicit(3, &der::sequence(&exts)),
    ]);
    let sig: DerSignature = issuer_key.sign(&tbs);
    der::sequence(&[tbs, alg, der::bits(sig.as_bytes(), 0)])
}

fn pem(label: &str, der: &[u8]) -> Result<String> {
    p256::pkcs8::der::pem::encode_string(label, LineEnding::LF, der)
        .map_err(|e| Error::provenance_from("could not write PEM", e.to_string()))
}

fn write_private(path: &Path, text: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).map_err(|e| Error::from(e).in_file(path))?;
    f.write_all(text).map_err(|e| Error::from(e).in_file(path))?;
    Ok(())
}

/// Creates a new local identity in `dir`: an ES256 authority (30 years)
/// and a signing certificate it issues (20 years, digitalSignature, EKUs
/// emailProtection + documentSigning + C2PA claim signing), keys in PKCS#8
/// with 0600 permissions. The files appear all at once (written in a
/// temporary folder, then renamed); an identity already there is kept unless
/// `replace`, in which case it is moved aside, never deleted.
pub fn init(dir: &Path, holder: &str, replace: bool) -> Result<IdentityFiles> {
    let files = IdentityFiles::in_dir(dir);
    if dir.exists() && !replace {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::from(e).in_file(parent))?;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let tmp = parent.join(format!(".keys-{}.vivify-tmp", &tag[..8]));
    let made = (|| {
        let mut b = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&tmp)?;
        write_identity(&IdentityFiles::in_dir(&tmp), holder)
    })();
    if let Err(e) = made {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e.in_file(dir));
    }
    if dir.exists() && replace {
        let aside = parent.join(format!("keys.replaced-{}", now_unix()));
        fs::rename(dir, &aside).map_err(|e| Error::from(e).in_file(dir))?;
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        let _ = fs::remove_dir_all(&tmp);
        // Another process made one meanwhile: theirs stands.
        if dir.exists() {
            return Err(Error::Exists(dir.to_path_buf()));
        }
        return Err(Error::from(e).in_file(dir));
    }
    Ok(files)
}

fn write_identity(files: &IdentityFiles, holder: &str) -> Result<()> {
    let now = now_unix();
    let start = now - 3600; // an hour of slack for clocks that run behind
    let year = 365 * 86_400 + 21_600;
    let root_key = SigningKey::random(&mut rand_core::OsRng);
    let leaf_key = SigningKey::random(&mut rand_core::OsRng);
    let root_pub = root_key.verifying_key().to_encoded_point(false);
    let leaf_pub = leaf_key.verifying_key().to_encoded_point(false);
    let org = format!("vivify local identity of {holder}");
    let root_name = name("vivify local root", &org);
    let root = certificate(
        &CertSpec {
            subject: root_name.clone(),
            issuer: root_name.clone(),
            public: root_pub.as_bytes(),
            issuer_public: root_pub.as_bytes(),
            not_before: start,
            not_after: now + ROOT_YEARS * year,
            ca: true,
        },
        &root_key,
    );
    let leaf = certificate(
        &CertSpec {
            subject: name("vivify signer", &org),
            issuer: root_name,
            public: leaf_pub.as_bytes(),
            issuer_public: root_pub.as_bytes(),
            not_before: start,
            not_after: now + SIGNER_YEARS * year,
            ca: false,
        },
        &root_key,
    );
    let key_pem = |k: &SigningKey| {
        k.to_pkcs8_pem(LineEnding::LF)
            .map(|z| z.as_bytes().to_vec())
            .map_err(|e| Error::provenance_from("could not encode a key", e.to_string()))
    };
    fs::write(&files.root_cert, pem("CERTIFICATE", &root)?)?;
    fs::write(&files.signer_cert, pem("CERTIFICATE", &leaf)?)?;
    write_private(&files.root_key, &key_pem(&root_key)?)?;
    write_private(&files.signer_key, &key_pem(&leaf_key)?)?;
    Ok(())
}

fn bad(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Credentials(format!("{}: {why}", path.display()))
}

/// The DER certificates in a PEM file, in order.
pub fn read_pem_certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let data = fs::read(path).map_err(|e| Error::from(e).in_file(path))?;
    vivify_media::limits::check("certificate file size", data.len() as u64, 1 << 20)?;
    parse_pem_certs(&data, path)
}

/// The DER certificates in PEM text; `path` names it in messages.
pub fn parse_pem_certs(data: &[u8], path: &Path) -> Result<Vec<Vec<u8>>> {
    let mut certs = Vec::new();
    for p in x509_parser::pem::Pem::iter_from_buffer(data) {
        let p = p.map_err(|e| bad(path, format!("not a PEM file ({e})")))?;
        match p.label.as_str() {
            "CERTIFICATE" => certs.push(p.contents),
            l if l.contains("PRIVATE KEY") => {
                return Err(bad(path, "holds a private key where a certificate was expected"));
            }
            _ => {}
        }
    }
    if certs.is_empty() {
        return Err(bad(path, "no PEM certificate (-----BEGIN CERTIFICATE-----) found"));
    }
    Ok(certs)
}

fn parse_cert<'a>(path: &Path, der: &'a [u8]) -> Result<X509Certificate<'a>> {
    X509Certificate::from_der(der).map(|(_, c)| c).map_err(|e| bad(path, format!("malformed certificate ({e})")))
}

fn cert_alg(c: &X509Certificate<'_>) -> Option<Alg> {
    let spki = c.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        OID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok())?.to_id_string();
            match curve.as_str() {
                OID_P256 => Some(Alg::Es256),
                OID_P384 => Some(Alg::Es384),
                OID_P521 => Some(Alg::Es512),
                _ => None,
            }
        }
        OID_ED25519 => Some(Alg::Ed25519),
        OID_RSA | OID_RSA_PSS => Some(Alg::Ps256),
        _ => None,
    }
}

/// What a certificate says.
pub fn summarize(der: &[u8]) -> Option<CertSummary> {
    let c = X509Certificate::from_der(der).ok()?.1;
    Some(CertSummary {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        not_before: format_time(c.validity().not_before.timestamp()),
        not_after: format_time(c.validity().not_after.timestamp()),
        sha256: Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect(),
        alg: cert_alg(&c),
        ca: c.is_ca(),
    })
}

/// Checks that `der` can sign C2PA claims at time `now`.
fn check_signer(path: &Path, c: &X509Certificate<'_>, now: i64) -> Result<Alg> {
    let v = c.validity();
    if now < v.not_before.timestamp() {
        return Err(bad(
            path,
            format!("the certificate is not valid before {}", format_time(v.not_before.timestamp())),
        ));
    }
    if now > v.not_after.timestamp() {
        return Err(bad(
            path,
            format!(
                "the certificate expired on {}; renew it (or run `vivify keys init --force` for a new local identity)",
                format_time(v.not_after.timestamp())
            ),
        ));
    }
    if c.is_ca() {
        return Err(bad(path, "this is a certificate authority; sign with an end-entity certificate it issued"));
    }
    let ku = c.key_usage().map_err(|e| bad(path, format!("malformed key usage ({e})")))?;
    if ku.is_some_and(|k| !k.value.digital_signature()) {
        return Err(bad(path, "the certificate's key usage does not allow digital signatures"));
    }
    let eku = c.extended_key_usage().map_err(|e| bad(path, format!("malformed extended key usage ({e})")))?;
    let Some(eku) = eku else {
        return Err(bad(
            path,
            "the certificate has no extended key usage; C2PA needs emailProtection, documentSigning or C2PA claim signing",
        ));
    };
    let e = eku.value;
    let other_ok = e.other.iter().any(|o| {
        let s = o.to_id_string();
        [OID_DOCUMENT_SIGNING, OID_C2PA_CLAIM_SIGNING, OID_MS_C2PA].contains(&s.as_str())
    });
    if e.any || !(e.email_protection || e.time_stamping || e.ocsp_signing || other_ok) {
        return Err(bad(
            path,
            "the certificate's extended key usage has no C2PA signing purpose (emailProtection, documentSigning or C2PA claim signing)",
        ));
    }
    cert_alg(c).ok_or_else(|| bad(path, "the certificate's key is not P-256, P-384, P-521, Ed25519 or RSA"))
}

/// Loads and checks a certificate chain and its private key.
pub fn load(cert_path: &Path, key_path: &Path, now: i64) -> Result<Credentials> {
    let certs = read_pem_certs(cert_path)?;
    let leaf = parse_cert(cert_path, &certs[0])?;
    let alg = check_signer(cert_path, &leaf, now)?;
    let mut chain = String::new();
    for (i, d) in certs.iter().enumerate() {
        let c = parse_cert(cert_path, d)?;
        if i > 0 && c.subject() == c.issuer() {
            continue; // a root belongs to the verifier's trust list, not the chain
        }
        chain.push_str(&pem("CERTIFICATE", d)?);
    }
    let key = fs::read(key_path).map_err(|e| Error::from(e).in_file(key_path))?;
    vivify_media::limits::check("key file size", key.len() as u64, 1 << 20)?;
    let text = String::from_utf8_lossy(&key);
    if text.contains("ENCRYPTED PRIVATE KEY") {
        return Err(bad(key_path, "the key is encrypted; give an unencrypted PKCS#8 key"));
    }
    if text.contains("BEGIN EC PRIVATE KEY") || text.contains("BEGIN RSA PRIVATE KEY") {
        return Err(bad(
            key_path,
            "the key is not PKCS#8; convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`",
        ));
    }
    if !text.contains("BEGIN PRIVATE KEY") {
        return Err(bad(key_path, "no PKCS#8 private key (-----BEGIN PRIVATE KEY-----) found"));
    }
    if alg == Alg::Es256 {
        let k = SigningKey::from_pkcs8_pem(&text).map_err(|e| bad(key_path, format!("malformed P-256 key ({e})")))?;
        let public = k.verifying_key().to_encoded_point(false);
        if leaf.public_key().subject_public_key.data.as_ref() != public.as_bytes() {
            return Err(bad(key_path, format!("this key does not belong to the certificate {}", cert_path.display())));
        }
    }
    let signer = summarize(&certs[0]).ok_or_else(|| bad(cert_path, "malformed certificate"))?;
    Ok(Credentials {
        cert_path: cert_path.to_path_buf(),
        key_path: key_path.to_path_buf(),
        chain_pem: chain.into_bytes(),
        key_pem: key,
        alg,
        signer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_identity_passes_its_own_checks_and_others_fail_clearly() {
        let dir = std::env::temp_dir().join(format!("vivify-keys-{}", uuid::Uuid::new_v4().simple()));
        let files = init(&dir.join("keys"), "test", false).expect("init");
        let creds = load(&files.signer_cert, &files.signer_key, now_unix()).expect("load");
        assert_eq!(creds.alg, Alg::Es256);
        assert!(!format!("{creds:?}").contains("PRIVATE"), "Debug shows the key");
        assert!(creds.signer.subject.contains("vivify signer"));
        // Expired in 21 years, and the authority cannot sign claims itself.
        let later = now_unix() + 21 * 366 * 86_400;
        let e = load(&files.signer_cert, &files.signer_key, later).expect_err("expired").to_string();
        assert!(e.contains("expired on"), "{e}");
        let e = load(&files.root_cert, &files.root_key, now_unix()).expect_err("CA").to_string();
        assert!(e.contains("certificate authority"), "{e}");
        // A key that is not the certificate's.
        let e = load(&files.signer_cert, &files.root_key, now_unix()).expect_err("wrong key").to_string();
        assert!(e.contains("does not belong"), "{e}");
        // Swapped files.
        let e = load(&files.signer_key, &files.signer_cert, now_unix()).expect_err("swapped").to_string();
        assert!(e.contains("private key where a certificate"), "{e}");
        // A second init keeps the first unless asked to replace it.
        assert!(matches!(init(&files.dir, "test", false), Err(Error::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&files.signer_key).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
