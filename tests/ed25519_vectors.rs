//! The RFC 8032 test vectors that the Python checker's own Ed25519 is tested against
//! (`scripts/rfc8032_vectors.txt`) are what ed25519-dalek, which signs the checkpoints, makes
//! of the same keys and messages; and the Python checker passes its self-test on them.

use std::path::Path;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn the_vectors_are_ed25519_dalek_s_and_the_python_checker_passes_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scripts/rfc8032_vectors.txt")).expect("the vectors");
    let mut n_vectors = 0;
    for line in text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
        let parts: Vec<&str> = line.split(':').collect();
        assert_eq!(parts.len(), 4, "{line}");
        let secret: [u8; 32] = unhex(parts[0]).try_into().expect("32 bytes");
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        assert_eq!(key.verifying_key().to_bytes().to_vec(), unhex(parts[1]), "the public key of {}", parts[0]);
        let signature = ed25519_dalek::Signer::sign(&key, &unhex(parts[2]));
        assert_eq!(signature.to_bytes().to_vec(), unhex(parts[3]), "the signature by {}", parts[0]);
        n_vectors += 1;
    }
    assert_eq!(n_vectors, 3);
    let output = std::process::Command::new("python3")
        .arg(root.join("scripts/verify_log.py"))
        .arg("--self-test")
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    assert!(said.contains("3 RFC 8032 vectors verify, 3 altered ones do not"), "{said}");
}
