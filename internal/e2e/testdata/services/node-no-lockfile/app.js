const express = require('express')

const app = express()
app.get('/', (req, res) => res.send('Hello World'))
app.get('/healthz', (req, res) => res.send('ok'))

const port = process.env.PORT || 3000
app.listen(port, () => console.log(`Express started on port ${port}`))
