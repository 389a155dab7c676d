// The app: a greeting and a client-side route (/about), which the server
// answers with index.html like any path that names no file.
const app = document.querySelector('#app')

function render() {
  const about = location.pathname === '/about'
  app.innerHTML = about
    ? '<h1>About</h1><p>Built by build.mjs, served by slipway-static.</p><a href="/" data-link>home</a>'
    : '<h1>Hello from a static site</h1><a href="/about" data-link>about</a>'
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]')
  if (a) {
    e.preventDefault()
    history.pushState(null, '', a.getAttribute('href'))
    render()
  }
})
window.addEventListener('popstate', render)
render()
