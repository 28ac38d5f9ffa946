/** What video will do once it exists. Nothing here runs: the video engine interface is only a scaffold. */
export function ComingSoon() {
  return (
    <section className="card" aria-labelledby="video-plan-title">
      <h2 id="video-plan-title" className="card-title">
        What is planned
      </h2>
      <p>
        Video generation is in development. Nothing runs yet, and this page does not start any job. When it arrives, you
        will be able to:
      </p>
      <ul className="plain-list">
        <li>turn an image of your character from the gallery into a short clip;</li>
        <li>describe the motion in words, the way you write a prompt for an image;</li>
        <li>follow the clip's progress live and find the result next to your images.</li>
      </ul>
      <p className="muted">
        Like training and image generation, each video will run as a durable job that survives restarts, on a video
        engine plugged in behind the same kind of interface.
      </p>
    </section>
  );
}
