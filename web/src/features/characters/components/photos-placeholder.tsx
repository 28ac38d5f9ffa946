/** Where a character's photos will be uploaded once training exists. */
export function PhotosPlaceholder() {
  return (
    <section className="card" aria-labelledby="photos-title">
      <h2 id="photos-title" className="card-title">
        Photos
      </h2>
      <p className="muted">
        Photo uploads arrive with the training feature. You will add 10 to 30 photos of this person here, with the face
        clearly visible, and Isengard will check each one before training.
      </p>
    </section>
  );
}
