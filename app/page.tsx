export default function HomePage() {
  return (
    <main>
      <h1>Tether</h1>
      <p>The chat server is running. The web client is on its way.</p>
    </main>
  );
}
